"""D2L §9.1, §9.2, §10.5 and §10.7 (8.1, 8.2, 9.5 and 9.7 in the first edition): sequence models and
the machine-translation data pipeline. An autoregressive MLP on a noisy sine (features of the last
tau = 4 values, one-step and multi-step predictions written into a tensor in place); the book's
`Vocab`, `truncate_pad` and `build_array_nmt` (valid lengths from `(array != pad).type(torch.int32)
.sum(1)`), a `TensorDataset` loader; `sequence_mask` with boolean-mask assignment and the
`MaskedSoftmaxCELoss` subclass of `nn.CrossEntropyLoss`, printing the book's values."""
import collections

import torchless as torch
from torch import nn
from torch.utils import data


def main():
    out = {}
    torch.manual_seed(0)
    # 9.1
    T = 1000
    time = torch.arange(1, T + 1, dtype=torch.float32)
    x = torch.sin(0.01 * time) + torch.normal(0, 0.2, (T,))
    tau = 4
    features = [x[i : T-tau+i] for i in range(tau)]
    features = torch.stack(features, 1)
    labels = x[tau:].reshape((-1, 1))
    print(features.shape, labels.shape)
    train_iter = data.DataLoader(data.TensorDataset(features[:600], labels[:600]), 16, shuffle=True)
    net = nn.Sequential(nn.Linear(4, 10), nn.ReLU(), nn.Linear(10, 1))
    def init_weights(m):
        if type(m) == nn.Linear:
            nn.init.xavier_uniform_(m.weight)
    net.apply(init_weights)
    loss = nn.MSELoss(reduction='none')
    trainer = torch.optim.Adam(net.parameters(), 0.01)
    for epoch in range(5):
        for X, y in train_iter:
            trainer.zero_grad()
            l = loss(net(X), y)
            l.sum().backward()
            trainer.step()
        print(f'epoch {epoch + 1}, loss: {float(loss(net(features), labels).mean().detach()):f}')
        out.setdefault('losses', []).append(float(loss(net(features), labels).mean().detach()))
    onestep_preds = net(features)
    multistep_preds = torch.zeros(T)
    multistep_preds[: 600 + tau] = x[: 600 + tau]
    for i in range(600 + tau, T):
        multistep_preds[i] = net(multistep_preds[i - tau:i].reshape((1, -1)))
    print(multistep_preds[-3:].detach())
    max_steps = 64
    features = torch.zeros((T - tau - max_steps + 1, tau + max_steps))
    for i in range(tau):
        features[:, i] = x[i: i + T - tau - max_steps + 1]
    for i in range(tau, tau + max_steps):
        features[:, i] = net(features[:, i - tau:i]).reshape(-1)
    print(features[:2, -2:].detach())
    # 9.2 / 10.5
    class Vocab:
        def __init__(self, tokens=[], min_freq=0, reserved_tokens=[]):
            if tokens and isinstance(tokens[0], list):
                tokens = [token for line in tokens for token in line]
            counter = collections.Counter(tokens)
            self.token_freqs = sorted(counter.items(), key=lambda x: x[1], reverse=True)
            self.idx_to_token = list(sorted(set(['<unk>'] + reserved_tokens + [
                token for token, freq in self.token_freqs if freq >= min_freq])))
            self.token_to_idx = {token: idx for idx, token in enumerate(self.idx_to_token)}
        def __len__(self): return len(self.idx_to_token)
        def __getitem__(self, tokens):
            if not isinstance(tokens, (list, tuple)):
                return self.token_to_idx.get(tokens, self.unk)
            return [self.__getitem__(token) for token in tokens]
        @property
        def unk(self): return self.token_to_idx['<unk>']
    src = [l.split() for l in ["go .", "hi .", "run !", "who ? i am .", "i lost ."]]
    vocab = Vocab(src, reserved_tokens=['<pad>', '<bos>', '<eos>'])
    def truncate_pad(line, num_steps, padding_token):
        if len(line) > num_steps: return line[:num_steps]
        return line + [padding_token] * (num_steps - len(line))
    def build_array_nmt(lines, vocab, num_steps):
        lines = [vocab[l] for l in lines]
        lines = [l + [vocab['<eos>']] for l in lines]
        array = torch.tensor([truncate_pad(l, num_steps, vocab['<pad>']) for l in lines])
        valid_len = (array != vocab['<pad>']).type(torch.int32).sum(1)
        return array, valid_len
    array, valid_len = build_array_nmt(src, vocab, 4)
    out['valid_len'] = valid_len.tolist()
    print(array, valid_len, valid_len.dtype)
    ds = data.TensorDataset(array, valid_len)
    for X, X_valid_len in data.DataLoader(ds, batch_size=2, shuffle=False):
        print('X:', X.type(torch.int32)); print('valid lengths for X:', X_valid_len); break
    # 10.7 bleu-ish + sequence mask from book
    def sequence_mask(X, valid_len, value=0):
        maxlen = X.size(1)
        mask = torch.arange((maxlen), dtype=torch.float32, device=X.device)[None, :] < valid_len[:, None]
        X[~mask] = value
        return X
    X = torch.tensor([[1, 2, 3], [4, 5, 6]])
    print(sequence_mask(X, torch.tensor([1, 2])))
    X = torch.ones(2, 3, 4)
    print(sequence_mask(X, torch.tensor([1, 2]), value=-1))
    class MaskedSoftmaxCELoss(nn.CrossEntropyLoss):
        def forward(self, pred, label, valid_len):
            weights = torch.ones_like(label)
            weights = sequence_mask(weights, valid_len)
            self.reduction='none'
            unweighted_loss = super(MaskedSoftmaxCELoss, self).forward(pred.permute(0, 2, 1), label)
            weighted_loss = (unweighted_loss * weights).mean(dim=1)
            return weighted_loss
    loss = MaskedSoftmaxCELoss()
    print(loss(torch.ones(3, 4, 10), torch.ones((3, 4), dtype=torch.long), torch.tensor([4, 2, 0])))
    out['masked_loss'] = loss(torch.ones(3, 4, 10), torch.ones((3, 4), dtype=torch.long), torch.tensor([4, 2, 0])).tolist()
    return out


if __name__ == "__main__":
    main()
