"""Background work for transitions (django-tasks; ``joinedup worker`` runs the queue).

``forecast_all`` recomputes every young person's stored cliff edges (``forecasting.cohort_refresh``)
and records the run. It is queued on demand from the dashboard (``services.forecast_run_request``)
and nightly by ``joinedup forecast-refresh --enqueue`` from cron (README, "Keeping forecasts
current"). Arguments are plain JSON values, as the database queue stores them.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django_tasks import task

from joinedup.platform.audit import audit_record

from . import forecasting

TASK_ACTOR = "forecast task"


@task()
def forecast_all(as_of_iso: str | None = None, requested_by_id: int | None = None) -> dict:
    """Recompute every stored forecast as of ``as_of_iso`` (default today); returns the run's figures."""
    as_of = dt.date.fromisoformat(as_of_iso) if as_of_iso else None
    requested_by = None
    if requested_by_id is not None:
        requested_by = get_user_model().objects.filter(pk=requested_by_id).first()
    with transaction.atomic():  # the stored edges and their audit event together
        run = forecasting.cohort_refresh(as_of=as_of, requested_by=requested_by)
        figures = {
            "run": run.pk,
            "as_of": run.as_of.isoformat(),
            "people": run.people,
            "edges": run.edges,
            "engine_seconds": round(run.engine_seconds or 0.0, 3),
        }
        audit_record(actor=None, actor_label=TASK_ACTOR, action="people.forecast.refresh", obj=run, detail=figures)
    return figures
