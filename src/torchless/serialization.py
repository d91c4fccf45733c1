"""torch.save / torch.load: a safe format (no pickle of arbitrary objects)."""
__all__ = []
