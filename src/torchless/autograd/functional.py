"""torch.autograd.functional (jacobian, hessian, vjp, jvp): planned in a later issue."""
