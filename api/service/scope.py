"""What a caller may see: organizations and funds in their scope.

A committee or community party organization sees its community; a street its
communities; a department itself; district-wide roles see everything.
"""

from __future__ import annotations

from api.service.callers import Caller
from funds.model import Fund, Role
from funds.registry import Registry


def fund_visible(registry: Registry, caller: Caller, fund: Fund) -> bool:
    if caller.district_wide:
        return True
    if caller.role in (Role.COMMITTEE, Role.COMMUNITY_PARTY, Role.DEPARTMENT):
        return fund.org == caller.org
    if caller.role is Role.STREET:
        org = registry.orgs.get(fund.org)
        return org is not None and org.parent == caller.org
    return False


def visible_funds(registry: Registry, caller: Caller) -> list[Fund]:
    return [fund for fund in registry.funds.values() if fund_visible(registry, caller, fund)]


def visible_orgs(registry: Registry, caller: Caller) -> list[str]:
    """Codes of the organizations a caller sees: their subtree plus their ancestors."""
    if caller.district_wide or caller.org is None:
        return list(registry.orgs)
    if caller.org not in registry.orgs:
        return []
    subtree = {caller.org}
    changed = True
    while changed:
        changed = False
        for org in registry.orgs.values():
            if org.parent in subtree and org.code not in subtree:
                subtree.add(org.code)
                changed = True
    codes = [code for code in registry.orgs if code in subtree]
    return codes + registry.ancestors(caller.org)
