from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("audit-events", views.AuditEventViewSet, basename="auditevent")

urlpatterns = [
    *router.urls,
    path("search/", views.SearchView.as_view(), name="search"),
    path("calendar/add-working-days/", views.WorkingDaysView.as_view(), name="calendar-add-working-days"),
    path("notifications/", views.NotificationListView.as_view(), name="notification-list"),
]
