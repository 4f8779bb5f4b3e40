"""Eight Python threads on one loss give the serial results, bit for bit (the C call releases the
GIL, so the plugin really runs concurrently)."""

from __future__ import annotations

import threading

import torch

import rlloss
from conftest import AGG_MODES, make_batch


def test_eight_threads_on_one_loss_give_the_serial_results():
    loss = rlloss.load_loss("sapo", loss_agg_mode="seq-mean-token-mean")
    batches = [make_batch(B=16, T=257, seed=200 + i) for i in range(8)]

    def run(batch, weights):
        log_prob = batch.log_prob.clone().requires_grad_(True)
        value, metrics = loss(
            log_prob,
            batch.old_log_prob,
            batch.advantages,
            batch.mask,
            rollout_is_weights=batch.weights if weights else None,
        )
        value.backward()
        return value, log_prob.grad, torch.stack(list(metrics.values()))

    serial = [run(b, i % 2 == 0) for i, b in enumerate(batches)]
    results = [None] * 8
    errors = []
    start = threading.Barrier(8)

    def worker(i):
        try:
            start.wait()
            for _ in range(20):
                results[i] = run(batches[i], i % 2 == 0)
        except Exception as e:  # reported below, not lost in the thread
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for i in range(8):
        for got, expected in zip(results[i], serial[i]):
            assert torch.equal(got, expected), i


def test_results_do_not_depend_on_num_threads():
    batch = make_batch(B=64, T=513, seed=300)
    for mode in AGG_MODES:
        loss = rlloss.load_loss("ppo_clip", loss_agg_mode=mode)
        outputs = []
        for threads in (1, 2, 7):
            loss.num_threads = threads
            log_prob = batch.log_prob.clone().requires_grad_(True)
            value, _ = loss(log_prob, batch.old_log_prob, batch.advantages, batch.mask)
            value.backward()
            outputs.append((value, log_prob.grad))
        for value, grad in outputs[1:]:
            assert torch.equal(value, outputs[0][0]) and torch.equal(grad, outputs[0][1]), mode
