from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("problems", views.ProblemViewSet, basename="problem")
router.register("severity-models", views.SeverityModelViewSet, basename="severitymodel")
router.register("problem-assessments", views.ProblemAssessmentViewSet, basename="problemassessment")

urlpatterns = router.urls
