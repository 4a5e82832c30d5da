from rest_framework.routers import SimpleRouter

from customers.api.views import AllocationViewSet, CustomerViewSet

router = SimpleRouter()
router.register("customers", CustomerViewSet, basename="customer")
router.register("allocations", AllocationViewSet, basename="allocation")

urlpatterns = router.urls
