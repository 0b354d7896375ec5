from django.urls import path

from . import views

app_name = "evaluation"
urlpatterns = [
    path("", views.SummaryTableView.as_view(), name="summary_table"),
    path("chains/<int:pk>/", views.ChainSummaryView.as_view(), name="chain_summary"),
]
