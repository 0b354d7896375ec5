from django.urls import path

from . import views

app_name = "projects"
urlpatterns = [
    path("", views.ProjectListView.as_view(), name="project_list"),
    path("add/", views.ProjectTaskBookView.as_view(), name="project_add"),
    path("risks/", views.RiskListView.as_view(), name="risk_list"),
    path("<int:pk>/", views.ProjectDetailView.as_view(), name="project_detail"),
    path("<int:pk>/edit/", views.ProjectTaskBookView.as_view(), name="project_edit"),
    path("<int:pk>/delete/", views.ProjectDeleteView.as_view(), name="project_delete"),
    path("<int:pk>/task-book.docx", views.TaskBookExportView.as_view(), name="project_export"),
    path("<int:pk>/sign/", views.ProjectSignView.as_view(), name="project_sign"),
    path("<int:pk>/submit/", views.ProjectSubmitView.as_view(), name="project_submit"),
    path("<int:pk>/decide/", views.ProjectDecideView.as_view(), name="project_decide"),
    path("<int:pk>/progress/add/", views.ProgressReportView.as_view(), name="progress_add"),
    path("<int:pk>/midterm/add/", views.MidtermCheckView.as_view(), name="midterm_add"),
    path("midterm/<int:pk>/rectify/", views.RectificationView.as_view(), name="midterm_rectify"),
    path("<int:pk>/changes/add/", views.ChangeRequestView.as_view(), name="change_add"),
    path("changes/<int:pk>/", views.ChangeRequestDetailView.as_view(), name="change_detail"),
    path("changes/<int:pk>/decide/", views.ChangeDecideView.as_view(), name="change_decide"),
    path("<int:pk>/risks/add/", views.RiskRaiseView.as_view(), name="risk_add"),
    path("risks/<int:pk>/resolve/", views.RiskResolveView.as_view(), name="risk_resolve"),
    path("<int:pk>/acceptance/add/", views.AcceptanceApplyView.as_view(), name="acceptance_add"),
    path("acceptances/<int:pk>/", views.AcceptanceDetailView.as_view(), name="acceptance_detail"),
    path("acceptances/<int:pk>/submit/", views.AcceptanceSubmitView.as_view(), name="acceptance_submit"),
    path("acceptances/<int:pk>/decide/", views.AcceptanceDecideView.as_view(), name="acceptance_decide"),
    path("<int:pk>/archive/", views.ProjectArchiveView.as_view(), name="project_archive"),
]
