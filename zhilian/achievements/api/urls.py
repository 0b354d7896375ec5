from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("achievements", views.AchievementViewSet, basename="achievement")
router.register("licenses", views.LicenseViewSet, basename="license")
router.register("promotion-events", views.PromotionEventViewSet, basename="promotion-event")

urlpatterns = router.urls
