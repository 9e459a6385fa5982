"""Every app's URL patterns, composed in one place.

Municipal pages live under /m/<municipality_slug>/ in the "schools" namespace, region pages
under /r/<region_slug>/ in the "region" namespace; each app exports its own lists."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from integrations import urls as integrations_urls
from reporting import urls as reporting_urls
from rollout import urls as rollout_urls
from schools import urls as schools_urls
from schools.views import portal, public
from surveys import urls as surveys_urls
from trainings import urls as trainings_urls

# The Django admin signs in through allauth: same rate limits, same MFA.
admin.autodiscover()
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "School in the Cloud"

# Object ids are named <model>_id so the isolation test can fill them in for every pattern.
municipality_patterns = [
    *reporting_urls.municipality_patterns,
    *schools_urls.municipality_patterns,
    *integrations_urls.urlpatterns,
    *surveys_urls.urlpatterns,
    *rollout_urls.municipality_patterns,
    *trainings_urls.urlpatterns,
]

region_patterns = [
    *reporting_urls.region_patterns,
    *rollout_urls.region_patterns,
]

urlpatterns = [
    path("", portal.home, name="home"),
    path("healthz", public.healthz, name="healthz"),
    path("i18n/setlang/", public.set_language, name="set_language"),
    path("invite/<str:token>/", public.accept_invitation, name="accept_invitation"),
    *trainings_urls.public_patterns,
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    *surveys_urls.public_urlpatterns,
    path("m/<slug:municipality_slug>/", include((municipality_patterns, "schools"), namespace="schools")),
    path("r/<slug:region_slug>/", include((region_patterns, "schools_region"), namespace="region")),
]
