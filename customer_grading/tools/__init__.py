from . import periods, scoring
