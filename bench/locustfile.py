"""Locust users for bench/load.py: directors answering their school's readiness survey and
officers reading the dashboard and the campaign's results, each with a session made by the
benchmark (``LOAD_SESSIONS``: a JSON file of {"directors": [...], "officers": [...], ...}).
``HostileUser`` sends one of the slowest requests we know of every second (``LOAD_HOSTILE=1``)."""

from __future__ import annotations

import itertools
import json
import os
import random

from locust import HttpUser, between, constant, task

PLAN = json.loads(open(os.environ["LOAD_SESSIONS"], encoding="utf-8").read())  # noqa: SIM115, PTH123
_directors = itertools.cycle(PLAN["directors"])
_officers = itertools.cycle(PLAN["officers"])
RANDOM = random.Random(int(os.environ.get("LOAD_SEED", "7")))


class Director(HttpUser):
    """A director filling in the survey: a field changed (autosaved) every few seconds."""

    weight = 200
    wait_time = between(3, 10)

    def on_start(self) -> None:
        self.me = next(_directors)
        self.client.cookies.set("sessionid", self.me["session"])
        self.client.get(self.me["survey"], name="survey page")

    def _post(self, path: str, data: dict, name: str):
        token = self.client.cookies.get("csrftoken", "")
        return self.client.post(path, data={**data, "csrfmiddlewaretoken": token}, name=name,
                                headers={"X-CSRFToken": token, "Referer": self.host + path})  # fmt: skip

    @task(6)
    def autosave(self) -> None:
        mbps = f"{RANDOM.randint(1, 200)},{RANDOM.randint(0, 9)}"
        self._post(self.me["survey"] + "autosave/", {"internet_mbps": mbps, "library_lan": "yes"}, "autosave")

    @task(2)
    def read(self) -> None:
        self.client.get(self.me["survey"], name="survey page")

    @task(1)
    def save(self) -> None:
        self._post(self.me["survey"], {"internet_mbps": "50", "library_lan": "yes"}, "save draft")


class Officer(HttpUser):
    """An officer reading: a page, a look at it, the next page."""

    weight = 50
    wait_time = between(5, 15)

    def on_start(self) -> None:
        self.me = next(_officers)
        self.client.cookies.set("sessionid", self.me["session"])

    @task(3)
    def dashboard(self) -> None:
        self.client.get(self.me["dashboard"], name="dashboard")

    @task(2)
    def results(self) -> None:
        self.client.get(self.me["results"], name="campaign results")

    @task(1)
    def people(self) -> None:
        self.client.get(self.me["people"], name="people")


class Hostile(HttpUser):
    """One request a second, taking turns among the slowest hostile requests found."""

    weight = 1 if os.environ.get("LOAD_HOSTILE") == "1" else 0
    fixed_count = 1 if os.environ.get("LOAD_HOSTILE") == "1" else 0
    wait_time = constant(1)

    def on_start(self) -> None:
        self.me = PLAN["hostile"]
        self.client.cookies.set("sessionid", self.me["session"])
        self.client.get(self.me["survey"], name="hostile: survey page")
        self.turn = itertools.cycle(range(4))

    @task
    def attack(self) -> None:
        token = self.client.cookies.get("csrftoken", "")
        headers = {"X-CSRFToken": token, "Referer": self.host + self.me["survey"]}
        kind = next(self.turn)
        if kind == 0:  # an exponent that once held a worker for 45 s
            data = {"internet_mbps": "1e1000000", "csrfmiddlewaretoken": token}
            self.client.post(self.me["survey"] + "autosave/", data=data, headers=headers, name="hostile")
        elif kind == 1:  # a number of 4,300 digits
            data = {"internet_mbps": "9" * 4300, "csrfmiddlewaretoken": token}
            self.client.post(self.me["survey"], data=data, headers=headers, name="hostile")
        elif kind == 2:  # a search of many words over the whole roster
            self.client.get(self.me["people"] + "?q=" + "+".join(["ов"] * 40), name="hostile")
        else:  # an id that is not one
            self.client.get(self.me["dashboard"] + "?programme=" + "9" * 5000, name="hostile")
