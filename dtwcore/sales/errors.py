"""The errors of reading a catalogue or a target: messages written for people."""

from __future__ import annotations

NO_DATA_ROWS = "no products (the file has no data rows)"
"""What a catalogue with a header and no data rows is told, after its path (both engines)."""


class CatalogError(ValueError):
    """A catalogue or target that cannot be used; the message is written for people."""


class CatalogTooLarge(CatalogError):
    """A catalogue bigger than the :class:`Limits` asked for; the message says where to go."""


class AmbiguousColumns(CatalogError):
    """The layout or a column role is not clear from the file; ask the user to choose.

    Attributes
    ----------
    role : str
        What must be chosen: ``"layout"``, ``"product"``, ``"week"``, ``"units"`` or
        ``"dates"`` (whether dates are written day-first or month-first).
    candidates : list[str]
        The column names (or, for ``"dates"``, the date orders) to choose from, most
        likely first.
    """

    def __init__(self, message: str, candidates: list[str], role: str = "product") -> None:
        super().__init__(message)
        self.candidates = candidates
        self.role = role


class AmbiguousIdColumn(AmbiguousColumns):
    """Several columns could hold the product codes (an :class:`AmbiguousColumns` whose
    ``role`` is ``"product"``)."""

    def __init__(self, message: str, candidates: list[str]) -> None:
        super().__init__(message, candidates, "product")
