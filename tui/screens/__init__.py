"""Modal screens: the ``?`` help and the ``s`` scale dialog."""

from tui.screens.help import HelpScreen as HelpScreen
from tui.screens.scale import ScaleScreen as ScaleScreen

__all__ = ["HelpScreen", "ScaleScreen"]
