from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("lookup/<str:key>/", views.lookup, name="lookup"),
    path("search/", views.search_view, name="search"),
    path("history/<str:label>/<int:pk>/", views.history, name="history"),
    path("unmask/<str:label>/<int:pk>/<str:field>/", views.unmask, name="unmask"),
    path("attachments/<str:label>/<int:pk>/upload/", views.attachment_upload, name="attachment_upload"),
    path("attachments/<int:pk>/download/", views.attachment_download, name="attachment_download"),
    path("attachments/<int:pk>/delete/", views.attachment_delete, name="attachment_delete"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notification_read, name="notification_read"),
    path("calendar/", views.calendar_view, name="calendar"),
    path("audit/", views.audit_list, name="audit_list"),
    path("audit/<int:pk>/", views.audit_detail, name="audit_detail"),
]
