"""D2L §2.6 probability: tossing coins and rolling a fair die by sampling a multinomial
distribution, relative frequencies approaching the true probability 1/6, and the running estimates
of 500 experiments of 10 rolls each (what the book plots)."""
import random

import torchless as torch
from torch.distributions import multinomial


def main(seed=None):
    if seed is not None:
        random.seed(seed)
        torch.manual_seed(seed)
    # Coin tosses, first with Python's random module, then with a multinomial distribution
    num_tosses = 100
    heads = sum([random.random() > 0.5 for _ in range(num_tosses)])
    tails = num_tosses - heads
    print("heads, tails: ", [heads, tails])
    fair_probs = torch.tensor([0.5, 0.5])
    tosses = multinomial.Multinomial(100, fair_probs).sample()
    print(tosses)
    print(multinomial.Multinomial(10000, fair_probs).sample() / 10000)

    # Rolling a die
    fair_probs = torch.ones([6]) / 6
    one_roll = multinomial.Multinomial(1, fair_probs).sample()
    print(one_roll)
    print(multinomial.Multinomial(10, fair_probs).sample())
    # Store the results as 32-bit floats for division
    counts = multinomial.Multinomial(1000, fair_probs).sample()
    frequencies = counts / 1000  # Relative frequency as the estimate
    print(frequencies)
    thousand_rolls = multinomial.Multinomial(1, fair_probs).sample((1000,))  # one-hot rows
    print(thousand_rolls.shape, thousand_rolls.sum(0) / 1000)

    counts = multinomial.Multinomial(10, fair_probs).sample((500,))
    cum_counts = counts.cumsum(dim=0)
    estimates = cum_counts / cum_counts.sum(dim=1, keepdims=True)
    # The book plots each column of `estimates` against the number of experiments; the last row is
    # where the curves end up.
    print(estimates.shape, estimates[-1])
    return {"tosses": tosses.tolist(), "one_roll": one_roll.tolist(), "frequencies": frequencies.tolist(),
            "thousand_rolls": thousand_rolls.tolist(), "counts": counts.tolist(), "estimates": estimates.tolist(),
            "dtypes": (str(counts.dtype), str(estimates.dtype))}


if __name__ == "__main__":
    main()
