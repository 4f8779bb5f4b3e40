"""Stand-in for verl/workers/utils/losses.py `ppo_loss` (verl-project/verl at 02de5fec): the call
site of a policy loss."""

from verl.trainer.ppo.core_algos import get_policy_loss_fn


def ppo_loss(config, model_output, data, dp_group=None):
    log_prob = model_output["log_probs"]
    old_log_prob = data["old_log_probs"]
    advantages = data["advantages"]
    response_mask = data["response_mask"].to(bool)
    rollout_is_weights = data.get("rollout_is_weights", None)
    loss_agg_mode = config.loss_agg_mode

    config.global_batch_info["dp_size"] = data["dp_size"]
    config.global_batch_info["batch_num_tokens"] = data["batch_num_tokens"]
    config.global_batch_info["global_batch_size"] = data["global_batch_size"]
    config.global_batch_info["loss_scale_factor"] = config.loss_scale_factor

    metrics = {}
    loss_mode = config.policy_loss.get("loss_mode", "vanilla")
    policy_loss_fn = get_policy_loss_fn(loss_mode)
    pg_loss, pg_metrics = policy_loss_fn(
        old_log_prob=old_log_prob,
        log_prob=log_prob,
        advantages=advantages,
        response_mask=response_mask,
        loss_agg_mode=loss_agg_mode,
        config=config,
        rollout_is_weights=rollout_is_weights,
    )
    metrics.update(pg_metrics)
    metrics["actor/pg_loss"] = pg_loss.detach().item()
    return pg_loss, metrics
