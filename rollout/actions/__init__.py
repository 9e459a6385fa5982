"""Every write of the rollout app, by concern: ``programmes`` (programmes, stages, activities and
their tasks), ``tasks`` (status, evidence, comments, self-ticking), ``notifications``,
``monitoring`` (snapshots) and ``agreements``. Each takes the action's context (tenant, actor,
address) and plain values; atomic, audited, Celery work enqueued on commit."""
