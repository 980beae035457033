"""PPO's pieces as the paper (Schulman et al. 2017), SB3 and CleanRL define them: the loss and the update.

* GAE, the advantages, is the on-policy family's one return (``agents/rollout.py``).
* ``ppo_loss``: the clipped surrogate objective, the value loss (optionally clipped, SB3's
  ``clip_range_vf``), the entropy bonus, and SB3's diagnostics (``approx_kl``, ``clip_fraction``).
* ``make_update``: every epoch's minibatches of one rollout in one compiled ``tf.function`` (a
  graph loop of ``tf.GradientTape`` steps, one fixed input signature); the minibatch indices
  come from NumPy, so a seeded run draws the same ones.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import keras
import numpy as np
import tensorflow as tf

from agents.a2c import categorical_entropy

#: The update's diagnostics, in the order the compiled update returns their means (SB3's names).
STATS = ("loss", "policy_loss", "value_loss", "entropy_loss", "approx_kl", "clip_fraction")


def explained_variance(predicted: np.ndarray, target: np.ndarray) -> float:
    """``1 - Var(target - predicted) / Var(target)`` (SB3's; nan when the target does not vary)."""
    var = float(np.var(target))
    return float("nan") if var == 0 else 1.0 - float(np.var(np.asarray(target) - np.asarray(predicted))) / var


def ppo_loss(
    logits: tf.Tensor,
    values: tf.Tensor,
    actions: tf.Tensor,
    old_log_probs: tf.Tensor,
    advantages: tf.Tensor,
    returns: tf.Tensor,
    old_values: tf.Tensor,
    clip_range: Any,
    clip_range_vf: Any = 0.0,
    ent_coef: float = 0.0,
    vf_coef: float = 0.5,
    normalize_advantage: bool = True,
) -> dict[str, tf.Tensor]:
    """SB3's PPO loss on one minibatch and its diagnostics (``STATS``).

    ``policy_loss = -mean(min(ratio * A, clip(ratio, 1 - c, 1 + c) * A))`` with
    ``ratio = exp(log pi(a|s) - old log pi(a|s))``; ``value_loss = mean((returns - V')^2)`` where
    ``V'`` is ``V`` or, with ``clip_range_vf > 0``, the rollout's value plus the clipped change;
    ``entropy_loss = -mean(entropy)``; ``loss = policy + ent_coef * entropy_loss + vf_coef * value``.
    """
    values = tf.reshape(values, [-1])
    advantages = tf.cast(advantages, tf.float32)
    if normalize_advantage:
        n = tf.cast(tf.size(advantages), tf.float32)
        centred = advantages - tf.reduce_mean(advantages)
        std = tf.sqrt(tf.reduce_sum(tf.square(centred)) / tf.maximum(n - 1.0, 1.0))  # unbiased, as torch's std
        advantages = tf.where(n > 1.0, centred / (std + 1e-8), advantages)
    log_probs = tf.gather(tf.nn.log_softmax(logits), actions, axis=1, batch_dims=1)
    log_ratio = log_probs - old_log_probs
    ratio = tf.exp(log_ratio)
    clip_range = tf.cast(clip_range, tf.float32)
    surrogate = tf.minimum(ratio * advantages, tf.clip_by_value(ratio, 1.0 - clip_range, 1.0 + clip_range) * advantages)
    policy_loss = -tf.reduce_mean(surrogate)
    clip_range_vf = tf.cast(clip_range_vf, tf.float32)
    clipped = old_values + tf.clip_by_value(values - old_values, -clip_range_vf, clip_range_vf)
    predicted = tf.where(clip_range_vf > 0.0, clipped, values)
    value_loss = tf.reduce_mean(tf.square(returns - predicted))
    entropy_loss = -tf.reduce_mean(categorical_entropy(logits))
    loss = policy_loss + ent_coef * entropy_loss + vf_coef * value_loss
    return {
        "loss": loss,
        "policy_loss": policy_loss,
        "value_loss": value_loss,
        "entropy_loss": entropy_loss,
        "approx_kl": tf.reduce_mean((ratio - 1.0) - log_ratio),  # SB3's and CleanRL's estimator
        "clip_fraction": tf.reduce_mean(tf.cast(tf.abs(ratio - 1.0) > clip_range, tf.float32)),
    }


def make_update(
    model: keras.Model,
    optimizer: keras.optimizers.Optimizer,
    feature_shape: Sequence[int],
    ent_coef: float,
    vf_coef: float,
    normalize_advantage: bool,
) -> Callable[..., tf.Tensor]:
    """``update(states, actions, log_probs, advantages, returns, values, indices, clip, clip_vf) -> means``.

    The rollout's arrays are flat (``n_envs * n_steps`` rows); ``indices`` is ``(minibatches,
    batch_size)``: every epoch's minibatches, each one a gradient step (the optimizer clips the
    global gradient norm). Returns the mean of each of ``STATS`` over the minibatches.
    """
    variables = model.trainable_variables
    vector = tf.TensorSpec((None,), tf.float32)
    signature = [
        tf.TensorSpec((None, *feature_shape), model.inputs[0].dtype), tf.TensorSpec((None,), tf.int32), vector, vector,
        vector,
        vector, tf.TensorSpec((None, None), tf.int32), tf.TensorSpec((), tf.float32), tf.TensorSpec((), tf.float32),
    ]

    # An explicit graph loop, autograph off: converting this source costs more than the loop saves.
    @tf.function(input_signature=signature, autograph=False)
    def update(states, actions, log_probs, advantages, returns, values, indices, clip_range, clip_range_vf):  # type: ignore[no-untyped-def]
        def minibatch(k, sums):  # type: ignore[no-untyped-def]
            batch = indices[k]
            with tf.GradientTape() as tape:
                logits, estimated = model(tf.gather(states, batch), training=True)
                parts = ppo_loss(
                    logits, estimated, tf.gather(actions, batch), tf.gather(log_probs, batch),
                    tf.gather(advantages, batch), tf.gather(returns, batch), tf.gather(values, batch),
                    clip_range, clip_range_vf, ent_coef, vf_coef, normalize_advantage,
                )
            grads = tape.gradient(parts["loss"], variables)
            optimizer.apply_gradients(zip(grads, variables))
            return k + 1, sums + tf.stack([parts[name] for name in STATS])

        count = tf.shape(indices)[0]
        _, sums = tf.while_loop(lambda k, _: k < count, minibatch, (tf.constant(0), tf.zeros(len(STATS))))
        return sums / tf.cast(tf.maximum(count, 1), tf.float32)

    return update
