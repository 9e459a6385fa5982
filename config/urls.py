from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from rollout.surveys.urls import public_urlpatterns as survey_public_patterns
from schools.urls import municipality_patterns, region_patterns
from schools.views import portal, public
from trainings.urls import public_patterns as training_public_patterns

# The Django admin signs in through allauth: same rate limits, same MFA.
admin.autodiscover()
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "School in the Cloud"

urlpatterns = [
    path("", portal.home, name="home"),
    path("healthz", public.healthz, name="healthz"),
    path("i18n/setlang/", public.set_language, name="set_language"),
    path("invite/<str:token>/", public.accept_invitation, name="accept_invitation"),
    *training_public_patterns,
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    *survey_public_patterns,
    path("m/<slug:municipality_slug>/", include((municipality_patterns, "schools"), namespace="schools")),
    path("r/<slug:region_slug>/", include((region_patterns, "schools_region"), namespace="region")),
]
