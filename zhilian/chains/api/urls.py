from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("chains", views.ChainViewSet, basename="chain")
router.register("chain-nodes", views.ChainNodeViewSet, basename="chainnode")
router.register("placements", views.PlacementViewSet, basename="placement")
router.register("monitored-events", views.MonitoredEventViewSet, basename="monitoredevent")

urlpatterns = router.urls
