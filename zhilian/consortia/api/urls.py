from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("consortia", views.ConsortiumViewSet, basename="consortium")
router.register("consortium-members", views.ConsortiumMemberViewSet, basename="consortium-member")
router.register("consortium-charters", views.ConsortiumCharterViewSet, basename="consortium-charter")
router.register("consortium-contributions", views.MemberContributionViewSet, basename="consortium-contribution")

urlpatterns = router.urls
