"""Errors a user can cause. The CLI and the ribbon show ``message`` (Chinese) and nothing else."""


class UserError(Exception):
    """A problem with the user's input, files or settings.

    ``message`` is shown as it is, so it must be Chinese, name the file / sheet / row / column
    concerned and say what to do. ``exit_code`` is the CLI's exit status (2 = unusable input).
    """

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
