"""Analytics models built in the destination after a load (README: Analyst models)."""

from dlt_atlassian.models.context import DEFAULT_HISTORY_FIELDS, ModelOptions
from dlt_atlassian.models.runner import MODEL_NAMES, options_from_config, run_models

__all__ = ["DEFAULT_HISTORY_FIELDS", "MODEL_NAMES", "ModelOptions", "options_from_config",
           "run_models"]
