"""Reports: the municipal council's progress report and the region's quarterly monitoring report.

``actions`` requests one (a row, a Celery task on commit); ``build`` collects the figures from
``reporting.indicators`` (the same ones the dashboards show), writes the HTML from
``templates/rollout/reports/`` in the owner's language and lays it out with WeasyPrint through
``infra.pdf``; ``queries`` lists them; ``views`` are the pages under ``/m/<slug>/reports/`` and
``/r/<slug>/reports/``.
"""
