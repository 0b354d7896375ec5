from django.urls import path

from . import views

app_name = "problems"
urlpatterns = [
    path("", views.ProblemListView.as_view(), name="problem_list"),
    path("add/", views.ProblemEditView.as_view(), name="problem_add"),
    path("import/", views.ProblemImportView.as_view(), name="problem_import"),
    path("<int:pk>/", views.ProblemDetailView.as_view(), name="problem_detail"),
    path("<int:pk>/edit/", views.ProblemEditView.as_view(), name="problem_edit"),
    path("<int:pk>/delete/", views.ProblemDeleteView.as_view(), name="problem_delete"),
    path("<int:pk>/assess/", views.ProblemAssessView.as_view(), name="problem_assess"),
    path("<int:pk>/review/", views.ProblemReviewView.as_view(), name="problem_review"),
    path("<int:pk>/analyse/", views.ProblemAnalyseView.as_view(), name="problem_analyse"),
    path("severity-models/", views.SeverityModelListView.as_view(), name="severitymodel_list"),
    path("severity-models/add/", views.SeverityModelAddView.as_view(), name="severitymodel_add"),
    path("severity-models/<int:pk>/", views.SeverityModelDetailView.as_view(), name="severitymodel_detail"),
]
