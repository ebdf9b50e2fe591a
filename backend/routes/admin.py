"""The admin API for reviewers: every route here requires a reviewer's bearer token (admin_auth.py)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.security import HTTPBearer

from backend.errors import ApiError
from backend.routes import errors, get_services, guarded
from backend.schemas import ApproveIn, RejectIn, ReviewDetailOut, ReviewQueueOut
from backend.services import Services, review
from service.auth import bearer_token

_bearer = HTTPBearer(auto_error=False, description="ADMIN_TOKENS: a reviewer's token")
Status = Literal["manual_review", "approved", "refused", "in_progress", "cancelled", "deleted"]


def _reviewer(request: Request) -> str:
    """The caller's reviewer name; 401 JSON for a missing, malformed or unknown token."""
    reviewer = get_services(request).reviewers.identify(bearer_token(request.headers.get("authorization")))
    if reviewer is None:
        raise ApiError(
            401,
            "unauthorized",
            "A reviewer's bearer token is required (Authorization: Bearer <token>).",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return reviewer


def require_reviewer(request: Request, _: object = Depends(_bearer)) -> str:
    """The reviewer for the audit trail; HTTPBearer only documents the scheme in /openapi.json."""
    return _reviewer(request)


# On the router itself: a route added here cannot forget the check.
router = APIRouter(
    prefix="/admin", tags=["admin"], route_class=guarded(_reviewer), dependencies=[Depends(require_reviewer)]
)


@router.get("/applications", response_model=ReviewQueueOut, responses=errors(401, 422))
def review_queue(
    status: Status = Query("manual_review", description="the queue to list"),
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0, le=1_000_000),
    ctx: Services = Depends(get_services),
) -> ReviewQueueOut:
    return review.queue(ctx, status, limit, offset)


@router.get("/applications/{application_id}", response_model=ReviewDetailOut, responses=errors(401, 404))
def review_detail(application_id: str, ctx: Services = Depends(get_services)) -> ReviewDetailOut:
    return review.detail(ctx, application_id)


@router.post(
    "/applications/{application_id}/approve",
    response_model=ReviewDetailOut,
    responses=errors(401, 404, 409, 422),
)
def approve(
    application_id: str,
    body: ApproveIn,
    reviewer: str = Depends(require_reviewer),
    ctx: Services = Depends(get_services),
) -> ReviewDetailOut:
    return review.approve(ctx, application_id, reviewer, body.note)


@router.post(
    "/applications/{application_id}/reject",
    response_model=ReviewDetailOut,
    responses=errors(401, 404, 409, 422),
)
def reject(
    application_id: str,
    body: RejectIn,
    reviewer: str = Depends(require_reviewer),
    ctx: Services = Depends(get_services),
) -> ReviewDetailOut:
    return review.reject(ctx, application_id, reviewer, body.note)
