from __future__ import annotations

from fastapi import APIRouter, Depends

from backend.routes import ACTIONS, errors, get_services
from backend.schemas import HandoffIn, HandoffOut
from backend.services import Services, handoff

router = APIRouter(tags=["handoff"], route_class=ACTIONS)


@router.post("/handoff", response_model=HandoffOut, status_code=201, responses=errors(404, 422))
def create_ticket(body: HandoffIn, ctx: Services = Depends(get_services)) -> HandoffOut:
    return handoff.create_ticket(ctx, body.sender_id, body.application_id, body.reason, body.channel)
