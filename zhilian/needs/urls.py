from django.urls import path

from . import views

app_name = "needs"
urlpatterns = [
    path("", views.NeedListView.as_view(), name="need_list"),
    path("add/", views.NeedEditView.as_view(), name="need_add"),
    path("<int:pk>/", views.NeedDetailView.as_view(), name="need_detail"),
    path("<int:pk>/edit/", views.NeedEditView.as_view(), name="need_edit"),
] + [path(f"<int:pk>/{step}/", view.as_view(), name=f"need_{step}") for step, view in views.STEP_VIEWS.items()]
