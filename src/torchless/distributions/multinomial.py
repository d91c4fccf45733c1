"""torch.distributions.multinomial."""
