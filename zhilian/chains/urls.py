from django.urls import path

from . import views

app_name = "chains"
urlpatterns = [
    path("", views.ChainListView.as_view(), name="chain_list"),
    path("add/", views.ChainEditView.as_view(), name="chain_add"),
    path("<int:pk>/", views.ChainDetailView.as_view(), name="chain_detail"),
    path("<int:pk>/edit/", views.ChainEditView.as_view(), name="chain_edit"),
    path("<int:pk>/delete/", views.ChainDeleteView.as_view(), name="chain_delete"),
    path("<int:pk>/map/", views.ChainMapView.as_view(), name="chain_map"),
    path("<int:pk>/submit/", views.ChainSubmitView.as_view(), name="chain_submit"),
    path("<int:pk>/return/", views.ChainReturnView.as_view(), name="chain_return"),
    path("<int:pk>/publish/", views.ChainPublishView.as_view(), name="chain_publish"),
    path("<int:pk>/comment/", views.ReviewCommentAddView.as_view(), name="chain_comment"),
    path("<int:chain_pk>/nodes/add/", views.ChainNodeEditView.as_view(), name="chainnode_add"),
    path("<int:chain_pk>/events/add/", views.MonitoredEventEditView.as_view(), name="monitoredevent_add"),
    path("nodes/<int:pk>/", views.ChainNodeDetailView.as_view(), name="node_detail"),
    path("nodes/<int:pk>/edit/", views.ChainNodeEditView.as_view(), name="chainnode_edit"),
    path("nodes/<int:pk>/delete/", views.ChainNodeDeleteView.as_view(), name="chainnode_delete"),
    path("nodes/<int:node_pk>/placements/add/", views.PlacementEditView.as_view(), name="placement_add"),
    path("placements/<int:pk>/edit/", views.PlacementEditView.as_view(), name="placement_edit"),
    path("placements/<int:pk>/delete/", views.PlacementDeleteView.as_view(), name="placement_delete"),
    path("comments/<int:pk>/resolve/", views.ReviewCommentResolveView.as_view(), name="reviewcomment_resolve"),
    path("versions/<int:pk>/", views.ChainSnapshotDetailView.as_view(), name="chainsnapshot_detail"),
    path("events/", views.MonitoredEventListView.as_view(), name="monitoredevent_list"),
    path("events/<int:pk>/", views.MonitoredEventDetailView.as_view(), name="event_detail"),
    path("events/<int:pk>/edit/", views.MonitoredEventEditView.as_view(), name="monitoredevent_edit"),
]
