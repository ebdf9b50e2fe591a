"""Text rewrites that remember where they happened, so annotated entity offsets can follow the text.

The normalisers (dialect words → Mandarin, spoken numbers → digits) rewrite spans of the user's text. Training
examples carry entity offsets; each rewrite is recorded so those offsets move onto the rewritten text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Rewrite:
    """One rewritten source span: ``text[src_start:src_end]`` became ``out[out_start:out_end]``."""

    src_start: int
    src_end: int
    out_start: int
    out_end: int


def apply_replacements(text: str, pieces: Iterable[tuple[int, int, str]]) -> tuple[str, list[Rewrite]]:
    """Replace non-overlapping (start, end, new) spans, given left to right; records the changed ones."""
    out: list[str] = []
    rewrites: list[Rewrite] = []
    pos = out_len = 0
    for start, end, new in pieces:
        if start > pos:
            out.append(text[pos:start])
            out_len += start - pos
        if new != text[start:end]:
            rewrites.append(Rewrite(start, end, out_len, out_len + len(new)))
        out.append(new)
        out_len += len(new)
        pos = end
    out.append(text[pos:])
    return "".join(out), rewrites


def map_offset(rewrites: list[Rewrite], pos: int, *, is_end: bool = False) -> int:
    """Move a source offset onto the rewritten text.

    Offsets outside rewritten spans shift by the length change of the rewrites before them; an offset
    strictly inside a rewritten span snaps to the start of its replacement (or its end, for an entity end).
    """
    spans = [(r.src_start, r.src_end, r.out_start, r.out_end) for r in rewrites]
    return _move(spans, pos, is_end)


def unmap_offset(rewrites: list[Rewrite], pos: int, *, is_end: bool = False) -> int:
    """Inverse of map_offset: a position in the rewritten text → the source position."""
    spans = [(r.out_start, r.out_end, r.src_start, r.src_end) for r in rewrites]
    return _move(spans, pos, is_end)


def _move(spans: list[tuple[int, int, int, int]], pos: int, is_end: bool) -> int:
    """``pos`` through (from_start, from_end, to_start, to_end) spans, given in order."""
    shift = 0
    for from_start, from_end, to_start, to_end in spans:
        if pos <= from_start:
            break
        if pos >= from_end:
            shift = to_end - from_end
            continue
        return to_end if is_end else to_start
    return pos + shift


def compose(first: list[Rewrite], second: list[Rewrite]) -> list[Rewrite]:
    """The rewrites of applying ``first`` and then ``second`` (whose spans refer to first's output)."""
    combined = [
        Rewrite(
            unmap_offset(first, r.src_start),
            unmap_offset(first, r.src_end, is_end=True),
            r.out_start,
            r.out_end,
        )
        for r in second
    ]
    for r in first:
        if not any(s.src_start < r.out_end and r.out_start < s.src_end for s in second):
            start, end = map_offset(second, r.out_start), map_offset(second, r.out_end, is_end=True)
            combined.append(Rewrite(r.src_start, r.src_end, start, end))
    return sorted(combined, key=lambda r: r.src_start)
