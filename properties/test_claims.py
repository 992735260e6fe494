"""Every registered claim, searched by Hypothesis over its own instance generator.

A claim the toolkit expects to hold must hold on every instance drawn (inconclusive fails
the test too: it is never a pass); a claim it expects to be refuted (a false statement of
a source, encoded as stated) must be refuted on some instance the search finds. The search
draws the parameter set from the claim's grid and an integer seed (`verify.search.instances`)
and steers towards negative margins (`targeted_verdict`).

This one test replaces a copy per claim; the per-paper files keep the searches that are
specific to a claim (their own strategies, pinned examples, shrinking to the smallest
counterexample, metamorphic tests).
"""

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings

from verify import HOLDS, REFUTED, registry, verdict
from verify.claims import BUILT_IN_MODULES
from verify.search import instances, targeted_verdict

CLAIMS = [c for _, c in sorted(registry().items()) if type(c).__module__ in BUILT_IN_MODULES]
HOLDING = [c for c in CLAIMS if c.expected == HOLDS]
FALSE = [c for c in CLAIMS if c.expected == REFUTED]

#: Examples per claim under the `ci` profile (12 by default), for claims whose check runs a
#: search of its own (critical points from many starts, gradient descent, a construction)
#: and costs a second or more per instance; other profiles scale these by their own budget.
EXAMPLES = {
    "auer/exponential-minima": 4,
    "hardt-ma/critical-points-global": 8,
    "hardt-ma/existence": 6,
    "hardt-ma/expressivity": 4,
    "hardt-ma/gd-in-ball": 6,
    "hardt-ma/gradient-lower-bound-derived": 20,
    "hardt-ma/nonconvex": 6,
    "init/balduzzi-scaling": 8,
    "liu/gd-normalised": 4,
    "mf/deep-linear": 3,
    "repr/universal-approximation": 6,
    "yun/dichotomy": 3,
    "yun/near-identity": 3,
    "yun/rademacher": 2,
    "yun/single-block": 3,
}
#: The `ci` profile's budget, which EXAMPLES is written for.
CI_EXAMPLES = 12
#: Examples the search for a refutation of a false claim may use before it fails.
SEARCH_EXAMPLES = 100


def _budget(claim) -> int:
    base = settings.default.max_examples
    return max(1, round(EXAMPLES.get(claim.id, CI_EXAMPLES) * base / CI_EXAMPLES))


def test_every_registered_claim_is_searched():
    assert HOLDING and FALSE, "the registry holds no claim: these tests would search nothing"
    assert {c.id for c in HOLDING + FALSE} == {c.id for c in CLAIMS}
    assert set(EXAMPLES) <= {c.id for c in CLAIMS}, set(EXAMPLES) - {c.id for c in CLAIMS}


@pytest.mark.parametrize("claim", HOLDING, ids=lambda c: c.id)
def test_true_claim_holds_on_drawn_instances(claim):
    @settings(max_examples=_budget(claim))
    @given(drawn=instances(claim))
    def holds(drawn):
        _, _, instance = drawn
        assert targeted_verdict(claim, instance) == HOLDS

    holds()


@pytest.mark.parametrize("claim", FALSE, ids=lambda c: c.id)
def test_false_claim_is_refuted_on_a_drawn_instance(claim):
    """`find` raises NoSuchExample if no drawn instance refutes the claim. No shrinking here:
    the per-paper tests shrink each false claim to its smallest counterexample."""
    params, seed, _ = find(
        instances(claim),
        lambda drawn: verdict(claim.check_instance(drawn[2])) == REFUTED,
        settings=settings(
            max_examples=SEARCH_EXAMPLES, database=None, derandomize=True,
            phases=(Phase.explicit, Phase.generate), suppress_health_check=[HealthCheck.too_slow],
        ),
    )
    assert params in [dict(p) for p in claim.params]
