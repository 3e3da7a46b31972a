"""A scenario run: what was asked (track, scope, seed), the replay window and what came out.

The objects a run creates in the other apps (readings, alarms, warnings, incidents …) are the
real records of those apps; the run keeps their ids in ``created`` so its summary and a later
review can find them without a foreign key from every app to this one.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class Run(models.Model):
    """One replay of a scenario (``yingji simulate``)."""

    scenario = models.CharField(_("scenario"), max_length=20, default="typhoon")
    track = models.CharField(_("track"), max_length=40)
    scale = models.CharField(_("scale"), max_length=12)
    seed = models.BigIntegerField(_("seed"))
    speed = models.FloatField(_("speed (simulated seconds per real second, 0 = flat out)"))
    step_minutes = models.PositiveIntegerField(_("step (minutes)"))
    scope = models.CharField(_("scope (region path prefix)"), max_length=12)
    track_start = models.DateTimeField(_("replay window start, track time"))
    track_end = models.DateTimeField(_("replay window end, track time"))
    shift_days = models.IntegerField(
        _("shift (days)"), help_text=_("Recorded instants = track instants + this many days")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    started_at = models.DateTimeField(_("started at (wall clock)"))
    finished_at = models.DateTimeField(_("finished at (wall clock)"), null=True, blank=True)
    wall_seconds = models.FloatField(_("wall time (s)"), null=True, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    created = models.JSONField(_("ids of the records created"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("simulation run")
        verbose_name_plural = _("simulation runs")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.scenario} {self.track} {self.scale} seed={self.seed} ({self.status})"
