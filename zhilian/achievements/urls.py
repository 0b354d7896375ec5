from django.urls import path

from . import views

app_name = "achievements"
urlpatterns = [
    path("", views.AchievementListView.as_view(), name="achievement_list"),
    path("add/", views.AchievementEditView.as_view(), name="achievement_add"),
    path("statistics/", views.UsageStatisticsView.as_view(), name="statistics"),
    path("<int:pk>/", views.AchievementDetailView.as_view(), name="achievement_detail"),
    path("<int:pk>/edit/", views.AchievementEditView.as_view(), name="achievement_edit"),
    path("<int:pk>/submit/", views.AchievementSubmitView.as_view(), name="achievement_submit"),
    path("<int:pk>/review/", views.AchievementReviewView.as_view(), name="achievement_review"),
    path("<int:pk>/right-status/", views.RightStatusView.as_view(), name="achievement_right_status"),
    path("<int:pk>/take-down/", views.DelistView.as_view(), name="achievement_delist"),
    path("<int:pk>/relist/", views.RelistView.as_view(), name="achievement_relist"),
    path("<int:pk>/table-g1.docx", views.AchievementExportView.as_view(), name="achievement_export"),
    path("<int:pk>/license/request/", views.LicenseRequestView.as_view(), name="license_request"),
    path("licenses/", views.LicenseListView.as_view(), name="license_list"),
    path("licenses/<int:pk>/", views.LicenseDetailView.as_view(), name="license_detail"),
    path("licenses/<int:pk>/decide/", views.LicenseDecideView.as_view(), name="license_decide"),
    path("licenses/<int:pk>/sign/", views.LicenseSignView.as_view(), name="license_sign"),
    path("licenses/<int:pk>/withdraw/", views.LicenseWithdrawView.as_view(), name="license_withdraw"),
    path("licenses/<int:pk>/appendix-h.docx", views.LicenseExportView.as_view(), name="license_export"),
    path("events/", views.PromotionEventListView.as_view(), name="event_list"),
    path("events/<int:pk>/", views.PromotionEventDetailView.as_view(), name="event_detail"),
    path("consortium/<int:pk>/events/add/", views.PromotionEventAddView.as_view(), name="event_add"),
]
