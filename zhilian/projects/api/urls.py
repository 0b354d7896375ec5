from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("projects", views.ProjectViewSet, basename="project")
router.register("milestones", views.MilestoneViewSet, basename="milestone")
router.register("progress-reports", views.ProgressReportViewSet, basename="progress-report")
router.register("midterm-checks", views.MidtermCheckViewSet, basename="midterm-check")
router.register("change-requests", views.ChangeRequestViewSet, basename="change-request")
router.register("risk-warnings", views.RiskWarningViewSet, basename="risk-warning")
router.register("acceptances", views.AcceptanceViewSet, basename="acceptance")

urlpatterns = router.urls
