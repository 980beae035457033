"""The book's A2C loss: policy gradient with the critic's advantage, the critic's error, an entropy bonus."""
from __future__ import annotations

import tensorflow as tf


def categorical_entropy(logits: tf.Tensor) -> tf.Tensor:
    """Entropy of ``softmax(logits)`` per row, computed stably (OpenAI baselines, as in the book)."""
    a0 = logits - tf.reduce_max(logits, axis=-1, keepdims=True)
    ea0 = tf.exp(a0)
    z0 = tf.reduce_sum(ea0, axis=-1, keepdims=True)
    p0 = ea0 / z0
    return tf.reduce_sum(p0 * (tf.math.log(z0) - a0), axis=-1)


def actor_critic_loss(
    action_evals: tf.Tensor,
    estimateds: tf.Tensor,
    actions: tf.Tensor,
    values: tf.Tensor,
    value_loss_weight: float = 1.0,
    entropy_weight: float = 0.1,
) -> dict[str, tf.Tensor]:
    """The book's loss and its parts, keyed by their TensorBoard tags.

    ``policy + value_loss_weight * mse(values, estimateds) - entropy_weight * entropy``,
    where policy is ``mean(cross_entropy(logits, a) * stop_gradient(values - estimateds))``.
    """
    estimateds = tf.reshape(estimateds, [-1])
    values = tf.cast(values, estimateds.dtype)
    neg_logs = tf.nn.sparse_softmax_cross_entropy_with_logits(logits=action_evals, labels=actions)
    advantages = values - tf.stop_gradient(estimateds)  # the policy loss must not train the critic
    policy_loss = tf.reduce_mean(neg_logs * advantages)
    value_loss = tf.reduce_mean(tf.square(values - estimateds))
    entropy = tf.reduce_mean(categorical_entropy(action_evals))
    loss = policy_loss + value_loss_weight * value_loss - entropy_weight * entropy
    return {
        "loss/total": loss,
        "loss/policy": policy_loss,
        "loss/value": value_loss,
        "stats/neg_logs": tf.reduce_mean(neg_logs),
        "stats/advantage": tf.reduce_mean(advantages),
        "stats/entropy": entropy,
    }
