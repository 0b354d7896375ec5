from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("chain-summaries", views.ChainSummaryViewSet, basename="chain-summary")

urlpatterns = router.urls
