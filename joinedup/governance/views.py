from django.shortcuts import render

from joinedup.platform.access import require_capability


@require_capability("governance.audit.view")
def audit_list(request):
    return render(request, "governance/audit_list.html")
