from django.urls import path

from . import views

app_name = "consortia"
urlpatterns = [
    path("", views.ConsortiumListView.as_view(), name="consortium_list"),
    path("apply/", views.ConsortiumApplicationView.as_view(), name="consortium_add"),
    path("units/", views.UnitLookupView.as_view(), name="unit_lookup"),
    path("<int:pk>/", views.ConsortiumDetailView.as_view(), name="consortium_detail"),
    path("<int:pk>/edit/", views.ConsortiumApplicationView.as_view(), name="consortium_edit"),
    path("<int:pk>/delete/", views.ConsortiumDeleteView.as_view(), name="consortium_delete"),
    path("<int:pk>/submit/", views.ConsortiumSubmitView.as_view(), name="consortium_submit"),
    path("<int:pk>/review/", views.ConsortiumReviewView.as_view(), name="consortium_review"),
    path("<int:pk>/appendix-a.docx", views.ConsortiumExportView.as_view(), name="consortium_export"),
    path("<int:pk>/members/join/", views.MemberJoinView.as_view(), name="member_join"),
    path("members/<int:pk>/leave/", views.MemberLeaveView.as_view(), name="member_leave"),
    path("<int:pk>/charter/add/", views.CharterAddView.as_view(), name="charter_add"),
    path("charters/<int:pk>/", views.CharterDetailView.as_view(), name="charter_detail"),
    path("<int:pk>/contributions/add/", views.ContributionAddView.as_view(), name="contribution_add"),
    path("contributions/<int:pk>/edit/", views.ContributionEditView.as_view(), name="contribution_edit"),
]
