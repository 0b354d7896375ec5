from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register("experts", views.ExpertViewSet, basename="expert")
router.register("capabilities", views.TestingCapabilityViewSet, basename="capability")
router.register("service-points", views.ServicePointViewSet, basename="servicepoint")
router.register("commissioners", views.ServiceCommissionerViewSet, basename="commissioner")
router.register("talents", views.EnterpriseTalentViewSet, basename="talent")
router.register("service-domains", views.ServiceDomainViewSet, basename="servicedomain")

urlpatterns = router.urls
