"""Instruments: derivatives, Hessian spectrum, critical-point finders, classification, surveys,
and certificates in ball arithmetic (`verify.landscape.balls` evaluates JAX functions on arb
balls; `verify.landscape.certify` proves critical points, their type, and violations)."""

from verify.landscape.classify import (
    Classification,
    PointType,
    classify,
    is_critical,
    is_local_minimum,
    is_sosp,
    is_strict_saddle,
)
from verify.landscape.critical import (
    CriticalPoint,
    deduplicate,
    find_critical_point,
    find_critical_points,
    find_local_minimum,
)
from verify.landscape.derivatives import flatten, gradient, hessian, hvp, symmetrise
from verify.landscape.spectrum import Eigenvalue, extreme_eigenvalues, lambda_max, lambda_min
from verify.landscape.survey import search_and_classify, type_counts
from verify.landscape.symmetry import factor_product, gl_orbit_tangents, outer_product, sorted_rows
from verify.landscape.certify import (
    Certificate,
    HessianSpectrum,
    PointCertificate,
    RefutationCertificate,
    certify_critical_point,
    certify_minimum,
    certify_point,
    certify_violation,
    hessian_spectrum,
    statistical_test,
)

__all__ = [
    "Classification",
    "CriticalPoint",
    "Eigenvalue",
    "PointType",
    "classify",
    "deduplicate",
    "extreme_eigenvalues",
    "factor_product",
    "find_critical_point",
    "find_critical_points",
    "find_local_minimum",
    "flatten",
    "gl_orbit_tangents",
    "gradient",
    "hessian",
    "hvp",
    "is_critical",
    "is_local_minimum",
    "is_sosp",
    "is_strict_saddle",
    "lambda_max",
    "lambda_min",
    "outer_product",
    "search_and_classify",
    "sorted_rows",
    "symmetrise",
    "type_counts",
    "Certificate",
    "HessianSpectrum",
    "PointCertificate",
    "RefutationCertificate",
    "certify_critical_point",
    "certify_minimum",
    "certify_point",
    "certify_violation",
    "hessian_spectrum",
    "statistical_test",
]
