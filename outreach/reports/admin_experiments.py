"""Holdout experiments in the admin: supervisors start them and read their result; the desk
overrides the holdout for one business. The figures come from outreach.reports.effect_holdouts."""

from django import forms
from django.contrib import admin
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from simple_history.admin import SimpleHistoryAdmin

from outreach import holdouts
from outreach.calls.services import call_tasks_create
from outreach.models import Assignment, Experiment, HoldoutOverride, ReminderStep
from outreach.reports.effect_holdouts import ExperimentResult, experiment_result

# Once the scan has assigned businesses, these would change who is in which group: fixed.
FIXED_ONCE_RUNNING = ["step", "holdout_percent", "starts_on"]


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _points(value: float) -> str:
    return f"{value * 100:+.1f}"


def present(result: ExperimentResult) -> dict:
    """One experiment's figures as the results table shows them."""
    experiment = result.experiment
    difference = result.difference
    cost = result.cost_per_extra_renewal
    if difference is None:
        difference_text = "—"
    else:
        difference_text = _("%(value)s points (%(low)s to %(high)s)") % {
            "value": _points(difference.value),
            "low": _points(difference.low),
            "high": _points(difference.high),
        }
    if cost is not None:
        cost_text = f"¥{cost:,.0f}"
    elif difference is not None:
        cost_text = _("no extra renewals")
    else:
        cost_text = "—"
    return {
        "name": experiment.name,
        "rung": _("%(step)s, %(share)s%% held out, %(start)s – %(end)s")
        % {
            "step": experiment.step.name,
            "share": experiment.holdout_percent,
            "start": experiment.starts_on,
            "end": experiment.ends_on,
        },
        "result": result,
        "control_rate": _percent(result.control.rate),
        "held_out_rate": _percent(result.held_out.rate),
        "difference": difference_text,
        "power": _("%(power)s for %(points)s points")
        % {
            "power": _percent(result.power),
            "points": experiment.detectable_points,
        },
        "cost": cost_text,
    }


def render_results(experiments) -> str:
    today = timezone.localdate()
    rows = [present(experiment_result(experiment, today=today)) for experiment in experiments]
    return render_to_string("admin/outreach/experiment_results.html", {"results": rows})


@admin.register(Experiment)
class ExperimentAdmin(SimpleHistoryAdmin):
    list_display = [
        "name", "step", "holdout_percent", "starts_on", "ends_on", "period_state", "held_out_count", "control_count",
    ]  # fmt: skip
    list_select_related = ["step"]
    fields = [
        "name", "step", "holdout_percent", "starts_on", "ends_on", "detectable_points", "note", "salt",
        "created_by", "created_at", "result_display",
    ]  # fmt: skip
    readonly_fields = ["salt", "created_by", "created_at", "result_display"]

    def get_queryset(self, request):
        arms = {
            f"{arm}_n": Count("assignments", filter=Q(assignments__arm=arm))
            for arm in (Assignment.Arm.HELD_OUT, Assignment.Arm.CONTROL)
        }
        return super().get_queryset(request).annotate(**arms)

    @admin.display(description=gettext_lazy("experiment state"))
    def period_state(self, obj):
        today = timezone.localdate()
        if today < obj.starts_on:
            return pgettext("experiment", "not started")
        return pgettext("experiment", "running") if today <= obj.ends_on else pgettext("experiment", "ended")

    @admin.display(description=gettext_lazy("held out (not contacted)"), ordering="held_out_n")
    def held_out_count(self, obj):
        return obj.held_out_n

    @admin.display(description=gettext_lazy("contacted as usual"), ordering="control_n")
    def control_count(self, obj):
        return obj.control_n

    @admin.display(description=gettext_lazy("result"))
    def result_display(self, obj):
        return render_results([obj]) if obj.pk else "-"

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj and obj.assignments.exists():
            readonly += FIXED_ONCE_RUNNING
        return readonly

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "step":
            kwargs["queryset"] = ReminderStep.objects.filter(policy__is_active=True).select_related("policy")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class HoldoutOverrideForm(forms.ModelForm):
    class Meta:
        model = HoldoutOverride
        fields = ["experiment", "business", "note"]

    def clean(self):
        cleaned = super().clean()
        experiment, business = cleaned.get("experiment"), cleaned.get("business")
        if experiment and business and not experiment.holds_out(business.ccus_id):
            raise forms.ValidationError(_("This experiment does not hold out this business: it is contacted anyway."))
        return cleaned


@admin.register(HoldoutOverride)
class HoldoutOverrideAdmin(SimpleHistoryAdmin):
    """Contact one business despite an experiment: opened from the business page, kept with its reason."""

    form = HoldoutOverrideForm
    list_display = ["business", "experiment", "note", "created_by", "created_at"]
    list_select_related = ["business", "experiment", "created_by"]
    raw_id_fields = ["business"]
    fields = ["experiment", "business", "note", "created_by", "created_at"]
    readonly_fields = ["created_by", "created_at"]
    search_fields = ["=business__ccus_id"]

    def save_model(self, request, obj, form, change):
        saved = holdouts.holdout_override(
            experiment=obj.experiment, business=obj.business, note=obj.note, user=request.user
        )
        obj.pk, obj.created_at, obj.created_by = saved.pk, saved.created_at, saved.created_by
        call_tasks_create()  # a held-out phone notice queued again reaches the call queue now
