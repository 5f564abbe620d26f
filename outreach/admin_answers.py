"""The desk's queue of businesses' answers: confirm, or reject with a reason; and revoking answer links.

Both decisions call outreach.answers (the services the desk's own steps use) and are kept
in the answers' history. Answers are what businesses said: nobody adds or edits one here.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from ccus.admin_mixins import ReadOnlyAdminMixin
from outreach import answer_links, answers
from outreach.models import Answer, AnswerLinkRevocation

# How many answers one action decides at most (each is a small transaction of its own).
ACTION_LIMIT = 200


class AnswerStatusFilter(admin.SimpleListFilter):
    """Answers waiting for the desk unless asked otherwise: the queue is what the desk still has to do."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [*Answer.Status.choices, ("all", _("all"))]

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {
                "selected": (self.value() or Answer.Status.PENDING) == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        value = self.value() or Answer.Status.PENDING
        return queryset if value == "all" else queryset.filter(status=value)


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for rejecting"),
        max_length=200,
        widget=forms.TextInput(attrs={"size": 60}),
        error_messages={"required": _("Write why the answer is rejected.")},
    )


@admin.register(Answer)
class AnswerAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["answered_at", "business_link", "kind", "details", "status", "decided_by"]
    list_select_related = ["business", "decided_by"]
    list_filter = [AnswerStatusFilter, "kind"]
    search_fields = ["=business__ccus_id"]
    show_full_result_count = False
    ordering = ["answered_at", "pk"]
    actions = ["confirm_answers", "reject_answers"]
    fields = readonly_fields = [
        "business", "notice", "kind", "status", "answered_at", "on_date", "route", "agent_name", "agent_contact",
        "successor", "new_email", "new_phone", "new_contact_person", "new_postal_code", "new_address", "pause_until",
        "decided_at", "decided_by", "reject_reason", "register_now",
    ]  # fmt: skip

    def has_decide_permission(self, request):
        return request.user.has_perm("outreach.decide_answer")

    @admin.display(description=_("business"), ordering="business__ccus_id")
    def business_link(self, answer):
        url = reverse("admin:registrations_business_change", args=[answer.business_id])
        return format_html('<a href="{}">{}</a>', url, answer.business)

    @admin.display(description=_("details"))
    def details(self, answer):
        values = [answer.on_date, answer.get_route_display(), answer.agent_name, answer.agent_contact, answer.successor]
        values += [answer.new_email, answer.new_phone, answer.new_contact_person, answer.new_postal_code]
        values += [answer.new_address]
        return " / ".join(str(value) for value in values if value) or "-"

    @admin.display(description=_("in the register now"))
    def register_now(self, answer):
        """What the register holds, beside a proposed change of contact details."""
        business = answer.business
        values = [business.email, business.phone, business.contact_person, business.postal_code, business.address]
        return " / ".join(value for value in values if value) or "-"

    @admin.action(description=_("Confirm: apply the answers to the register"), permissions=["decide"])
    def confirm_answers(self, request, queryset):
        confirmed = 0
        for answer in queryset.select_related("business")[:ACTION_LIMIT]:
            try:
                answers.answer_confirm(answer=answer, user=request.user)
                confirmed += 1
            except answers.AnswerError as error:
                self.message_user(request, f"{answer.business}: {error}", messages.ERROR)
        self.message_user(request, _("%(count)s answers confirmed.") % {"count": confirmed}, messages.SUCCESS)

    @admin.action(description=_("Reject the answers (with a reason)"), permissions=["decide"])
    def reject_answers(self, request, queryset):
        form = RejectForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            rejected = 0
            for answer in queryset[:ACTION_LIMIT]:
                try:
                    answers.answer_reject(answer=answer, user=request.user, why=form.cleaned_data["reason"])
                    rejected += 1
                except answers.AnswerError as error:
                    self.message_user(request, f"{answer.business}: {error}", messages.ERROR)
            self.message_user(request, _("%(count)s answers rejected.") % {"count": rejected}, messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Reject the answers"),
            "opts": self.model._meta,
            "form": form,
            "answers": queryset.select_related("business")[:ACTION_LIMIT],
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        }
        return TemplateResponse(request, "admin/outreach/answer/reject.html", context)

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        changelist.title = _("Answers from businesses: confirm or reject")
        return changelist


@admin.register(AnswerLinkRevocation)
class AnswerLinkRevocationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Revoking is done from the notices (an action there); this lists who revoked what."""

    list_display = ["notice", "revoked_at", "revoked_by", "reason"]
    list_select_related = ["notice__business", "revoked_by"]
    fields = readonly_fields = ["notice", "revoked_at", "revoked_by", "reason"]


class RevokeLinksMixin:
    """The notices' action: their answer links issued until now stop working."""

    def has_revoke_links_permission(self, request):
        return request.user.has_perm("outreach.add_answerlinkrevocation")

    @admin.action(description=_("Revoke the answer page links of these notices"), permissions=["revoke_links"])
    def revoke_answer_links(self, request, queryset):
        count = 0
        for notice in queryset[:ACTION_LIMIT]:
            answer_links.revoke(notice=notice, user=request.user, reason=str(_("revoked by the desk")))
            count += 1
        self.message_user(request, _("The answer links of %(count)s notices were revoked.") % {"count": count})
