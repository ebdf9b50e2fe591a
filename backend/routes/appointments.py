"""Video-witness appointments (see backend/services/appointments.py)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from backend.routes import ACTIONS, errors, get_services
from backend.schemas import AppointmentIn, AppointmentOut
from backend.services import Services, appointments

router = APIRouter(prefix="/appointments", tags=["appointments"], route_class=ACTIONS)


@router.post("", response_model=AppointmentOut, status_code=201, responses=errors(404, 409, 422))
def book(body: AppointmentIn, ctx: Services = Depends(get_services)) -> AppointmentOut:
    return appointments.book(ctx, body)


@router.get("/{appointment_id}", response_model=AppointmentOut, responses=errors(404))
def get(appointment_id: str, ctx: Services = Depends(get_services)) -> AppointmentOut:
    return appointments.get(ctx, appointment_id)
