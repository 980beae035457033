"""The table of differences from the book, generated from the configs, in English and in Japanese.

    python -m agents.differences              # print the English one
    python -m agents.differences --lang ja    # print the Japanese one
    python -m agents.differences --write      # write docs/book_differences.md and docs/book_differences.ja.md

Settings come from the configs (``BOOK`` and the field docstrings) and the preset table
(``agents.presets``, with each preset's reason); the behaviour that no setting switches is
listed in ``BEHAVIOUR`` below, once, in both languages; what is not the book's material at all
is in ``NOT_THE_BOOK``. The field docstrings and preset notes are written in English beside the
settings; their Japanese is in ``JAPANESE`` here, each with the fingerprint of the English it
translates, so a changed docstring or note fails the test (``tests/test_config.py``) until its
Japanese is brought up to date (the error names the key and the new fingerprint).
"""
from __future__ import annotations

import argparse
import hashlib
import os
from typing import Any, NamedTuple

from agents.presets import TABLE
from fn_framework.run.config import book_settings, differences, field_docs
from nn_tutorial import explanation_keras_boston, explanation_keras_mnist

DOCS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs")
PATHS = {"en": os.path.join(DOCS, "book_differences.md"), "ja": os.path.join(DOCS, "book_differences.ja.md")}
PATH = PATHS["en"]

#: Fields that act only in the book's test mode (CartPole): not listed for a Catcher run, where they change nothing.
TEST_MODE_ONLY = frozenset({"book_net"})
#: The epochs of the book's ``FN/nn_tutorial/explanation_keras_boston.py`` and ``explanation_keras_mnist.py``.
BOOK_EPOCHS = 8


class Row(NamedTuple):
    """A difference that is not a setting: where, what and why, in English and in Japanese."""

    where: str
    what: str
    why: str
    where_ja: str
    what_ja: str
    why_ja: str


#: What differs from the book without being a setting.
BEHAVIOUR: list[Row] = [
    Row("all", "Only `terminated` ends bootstrapping; a time-limit truncation does not",
        "the book's gym ended the episode with `done=True` at the time limit, so its targets treated the limit as a "
        "terminal state; Gymnasium tells the two apart",
        "全体", "ブートストラップをやめるのは `terminated`（終端状態に達した）ときだけで、時間切れ（truncation）ではやめません",
        "書籍の gym は時間切れでも `done=True` でエピソードを終えたので、目標値は時間切れを終端状態として扱っていました。"
        "Gymnasium はこの 2 つを区別します"),
    Row("A2C", "n-step returns bootstrap from the critic V(n_s) at a time-limit truncation inside a batch, and the "
               "episode end is marked so the next episode's return does not leak in",
        "the book's return stopped at the time limit (gym's `done=True`): the semantic change above, for A2C's returns",
        "A2C", "n-step の報酬は、バッチの途中の時間切れでは Critic の V(n_s) からブートストラップします。エピソードの終わりには"
               "印を付け、次のエピソードの報酬が混ざらないようにします",
        "書籍の報酬は時間切れ（gym の `done=True`）で止まっていました。上の行の意味の変更を、A2C の報酬に当てはめたものです"),
    Row("all", "With several env copies (`--n-envs`), `episode_begin` and `episode_end` also get the copy's number "
               "(`copy=`); the vector step, every copy's transition, goes to `store(step, episode, agent)`",
        "the book plays one env; a hook that learns from a copy's episode must know which copy it was",
        "全体", "環境のコピーが複数あるとき（`--n-envs`）、`episode_begin` と `episode_end` はコピーの番号（`copy=`）も"
               "受け取ります。全コピーの遷移からなるベクトル環境の 1 ステップは `store(step, episode, agent)` に渡されます",
        "書籍は環境を 1 つだけ動かします。コピーのエピソードから学習するフックは、どのコピーのエピソードかを知る必要があります"),
    Row("REINFORCE, A2C, PPO", "the on-policy agents keep their `experiences` in one rollout buffer "
                               "(`agents/rollout.py`) and compute every return with GAE: A2C's n-step returns are GAE "
                               "at lambda = 1 without values, REINFORCE's Monte Carlo return the same without a critic; "
                               "A2C learns in `store` (the book: in `step`), REINFORCE takes its episode from the "
                               "rollout (the book: `episode_begin` empties the list and `get_recent` reads it)",
        "one mechanism for the three, with several env copies: the numbers are the book's (the `book` preset's "
        "monitor rows are unchanged, `tests/test_book_loop.py`)",
        "REINFORCE、A2C、PPO", "On-policy のエージェントは `experiences` を 1 つのロールアウト（`agents/rollout.py`）に"
                               "ため、報酬をすべて GAE で計算します。A2C の n ステップの報酬は価値なし・λ = 1 の GAE、"
                               "REINFORCE のモンテカルロの報酬は Critic なしの同じ計算です。A2C は `store` で学習し"
                               "（書籍は `step`）、REINFORCE はエピソードをロールアウトから取り出します（書籍は "
                               "`episode_begin` でリストを空にし、`get_recent` で読みます）",
        "3 つを 1 つの仕組みにし、環境のコピーが複数あっても動くようにするためです。数値は書籍と同じです（`book` "
        "プリセットの monitor の行は変わりません。`tests/test_book_loop.py`）"),
    Row("A2C", "the advantage is per sample", "the book subtracted a `(N, 1)` estimate from `(N,)` returns: `(N, N)`",
        "A2C", "Advantage はサンプルごとに 1 つです",
        "書籍は `(N,)` の報酬から `(N, 1)` の推定値を引いていたので、`(N, N)` になっていました"),
    Row("A2C", "`stop_gradient` on the critic's estimate in the advantage (the book's latest revision)",
        "the policy loss must not train the critic (book issue #16)",
        "A2C", "Advantage の中の Critic の推定値に `stop_gradient`（書籍の最新版と同じ）",
        "戦略の損失で Critic を学習させないためです（書籍の issue #16）"),
    Row("all", "TensorBoard scalars are keyed by env steps; the episode index is a scalar of its own (`episode`)",
        "the book keyed them by episode; SB3 and CleanRL use env steps, so curves of runs compare on one axis",
        "全体", "TensorBoard のスカラーの横軸は環境のステップ数です。エピソードの番号は別のスカラー（`episode`）にしています",
        "書籍の横軸はエピソードでした。SB3 や CleanRL と同じく環境のステップ数にすると、実行どうしの曲線を 1 つの軸で比べられます"),
    Row("all", "every agent and mode has its own run folder (`logs/dqn`, `logs/dqn_test`, ...), the config is "
               "written to TensorBoard's Text tab, each observed episode's frames are tiled into one image of the "
               "tag `observation` (one card per run, a slider over the episodes)",
        "the book's test mode and Catcher run shared one folder, each observation made a new tag and each frame "
        "a card of its own",
        "全体", "エージェントとモードごとに実行フォルダーを分け（`logs/dqn`、`logs/dqn_test` など）、設定を TensorBoard の "
                "Text タブに書きます。観測したエピソードのフレームはタイル状に並べて 1 枚の画像（タグ `observation`）にします"
                "（実行ごとにカードが 1 枚で、エピソードはスライダーで選びます）",
        "書籍ではテストモードと Catcher の実行が 1 つのフォルダーを共有し、観測のたびに新しいタグが、フレームごとにカードが"
        "できていました"),
    Row("all", "states are `float32`; Catcher's frames stay `uint8` up to the network, whose first layer "
               "(`Rescaling(1/255)`, `agents/networks.py`) is the one place that divides by 255",
        "the book's observer made `float64` frames scaled to [0, 1]: 8 times the bytes of `uint8` in every rollout, "
        "replay batch and call into TensorFlow, for no accuracy",
        "全体", "状態は `float32` です。Catcher のフレームはネットワークに入るまで `uint8` のままで、255 で割るのはネットワークの"
                "最初の層（`Rescaling(1/255)`、`agents/networks.py`）の 1 か所だけです",
        "書籍の Observer は [0, 1] に縮めた `float64` のフレームを作っていました。ロールアウト、リプレイのバッチ、TensorFlow "
        "の呼び出しのどれでも `uint8` の 8 倍のバイト数になり、精度は何も変わりません"),
    Row("Catcher", "the frame stack is refilled with the first frame at every reset",
        "the book's observer kept the previous episode's frames in the first stack of the next one",
        "Catcher", "reset のたびに、フレームのスタックを最初のフレームで埋め直します",
        "書籍の Observer は、前のエピソードのフレームを次のエピソードの最初のスタックに残していました"),
    Row("Catcher", "frames are resized with NEAREST",
        "the Pillow default when the book was written (Pillow 7 changed it to BICUBIC)",
        "Catcher", "フレームのリサイズは NEAREST です",
        "書籍を書いた当時の Pillow の既定値です（Pillow 7 で BICUBIC に変わりました）"),
    Row("A2C", "the sampled action is `SampleLayer`'s Gumbel-max draw made in NumPy on the actor's logits",
        "the layer's TensorFlow random op keeps a state no checkpoint can hold, so a killed and resumed run would draw "
        "other actions than the unbroken one; NumPy's stream is seeded by `--seed` and kept (the layer stays in the "
        "model)",
        "A2C", "サンプルする行動は、`SampleLayer` と同じ Gumbel-max の抽出を Actor のロジットに対して NumPy で行ったものです",
        "この層の TensorFlow の乱数演算は、チェックポイントに保存できない状態を持ちます。そのままでは、中断して再開した実行が、"
        "中断しなかった実行と違う行動を引いてしまいます。NumPy の乱数列は `--seed` で決まり、チェックポイントに保存されます"
        "（層はモデルに残っています）"),
    Row("continuous", "the target actions' noise is drawn in NumPy and passed to the compiled update",
        "the same reason: an exact resume needs every random stream in the checkpoint",
        "連続値", "目標値の行動に加えるノイズは NumPy で引き、コンパイルした更新に渡します",
        "上と同じ理由です: 正確に再開するには、すべての乱数列がチェックポイントに入っている必要があります"),
    Row("all", "checkpoints are written while training (every `checkpoint_minutes`), with the env copies mid-episode "
               "and the random streams, so `--resume` goes on exactly",
        "the book saved only models; a killed run lost everything since its start",
        "全体", "学習中にチェックポイントを書きます（`checkpoint_minutes` ごと）。エピソード途中の環境のコピーと乱数列も入るので、"
                "`--resume` で中断したところから正確に続けられます",
        "書籍が保存するのはモデルだけで、中断した実行はそれまでの学習をすべて失っていました"),
    Row("all", "TensorBoard tags: `loss` -> `loss/td` (DQN), `epsilon` -> `stats/epsilon`, A2C's `reward_max` -> "
               "`stats/reward_max` and `policy/*` -> `stats/*`; `reward` is written for every episode, the random-play "
               "warm-up included",
        "one tag scheme for every agent (`reward`, `episode`, `loss/...`, `stats/...`, `eval/...`), so runs of "
        "different agents compare in one TensorBoard; the book wrote `reward` only once training had begun, and the "
        "warm-up's rewards show where training began",
        "全体", "TensorBoard のタグ: `loss` → `loss/td`（DQN）、`epsilon` → `stats/epsilon`、A2C の `reward_max` → "
                "`stats/reward_max`、`policy/*` → `stats/*`。`reward` は、ランダムにプレイするウォームアップも含めて、"
                "すべてのエピソードで書きます",
        "すべてのエージェントで 1 つのタグの体系（`reward`、`episode`、`loss/...`、`stats/...`、`eval/...`）にして、違う"
        "エージェントの実行を 1 つの TensorBoard で比べられるようにしています。書籍は学習が始まってから `reward` を書いて"
        "いました。ウォームアップの報酬があると、学習がどこから始まったかがわかります"),
    Row("continuous", "`load` marks the agent initialized, so `--play` plays the trained actor",
        "the book's agent overrides `FNAgent.load` with a `load` that never sets `initialized`, so its `--play` "
        "acted at random",
        "連続値", "`load` でエージェントを初期化済みにするので、`--play` は学習した Actor でプレイします",
        "書籍のエージェントは `FNAgent.load` を独自の `load` で上書きしていて、そこでは `initialized` を設定しません。"
        "そのため書籍の `--play` はランダムに行動していました"),
    Row("continuous", "each update steps the critic first, then the actor; the actor's TD error and the critic's "
                      "targets are both taken before either step",
        "one compiled function for both; the book stepped the actor first (`_updater`), then the critic "
        "(`train_on_batch`), as two TF1 calls. With the book's likelihood loss the order changes nothing, as neither "
        "step uses what the other changed; with `--actor-loss dpg` (the `ddpg` preset) the actor follows the critic "
        "just updated, as in DDPG",
        "連続値", "1 回の更新で Critic を先に、Actor を後に更新します。Actor の TD 誤差と Critic の目標値は、どちらも両方の更新"
                  "より前に計算します",
        "両方を 1 つのコンパイルした関数にまとめたためです。書籍は Actor（`_updater`）、Critic（`train_on_batch`）の順に、"
        "TF1 の 2 回の呼び出しで更新していました。書籍の尤度の損失では、どちらの更新も相手の更新で変わった値を使わないので、"
        "順序は結果を変えません。`--actor-loss dpg`（`ddpg` プリセット）では、DDPG と同じく Actor は更新したばかりの Critic "
        "に従います"),
    Row("nn_tutorial",
        f"`explanation_keras_boston`: scikit-learn's diabetes data instead of Boston, the target standardised, "
        f"{explanation_keras_boston.EPOCHS} epochs instead of {BOOK_EPOCHS}; `explanation_keras_mnist`: "
        f"{explanation_keras_mnist.EPOCHS} epochs instead of {BOOK_EPOCHS} (the same 8x8 digits as the book); "
        f"`--epochs {BOOK_EPOCHS}` runs the book's count",
        "Boston was removed from scikit-learn (1.2; a feature built on an assumption about race); the diabetes "
        "targets are about 7 times Boston's prices, and plain SGD at the book's step diverges on them unless they are "
        "standardised; with these small data sets 8 epochs leave the nets underfit (the figures: "
        "benchmarks/README.md). "
        "The regression is the book's model on other data: its figure is not the book's",
        "nn_tutorial",
        f"`explanation_keras_boston`: Boston ではなく scikit-learn の diabetes のデータを使い、目的変数を標準化し、"
        f"{BOOK_EPOCHS} エポックではなく {explanation_keras_boston.EPOCHS} エポック学習します。`explanation_keras_mnist`: "
        f"書籍と同じ 8x8 の数字画像で、{BOOK_EPOCHS} エポックではなく {explanation_keras_mnist.EPOCHS} エポックです。"
        f"`--epochs {BOOK_EPOCHS}` で書籍のエポック数になります",
        "Boston のデータは scikit-learn 1.2 で削除されました（特徴量の 1 つが人種についての仮定の上に作られていたため）。"
        "diabetes の目的変数は Boston の価格の約 7 倍で、標準化しないと書籍の SGD は発散します。データが小さいので、"
        "8 エポックではどちらのネットワークも学習が足りません（数値: benchmarks/README.md）。回帰は書籍と同じモデルを別の"
        "データで学習したもので、その図は書籍の図ではありません"),
    Row("DQN", "the teacher starts as a copy of the model",
        "the book's `clone_model` left it with other random weights until the first sync",
        "DQN", "teacher はモデルのコピーから始まります",
        "書籍の `clone_model` は構造だけを写すので、teacher は最初の同期まで別の乱数の重みを持っていました"),
    Row("DQN, A2C, PG", "updates are compiled `tf.GradientTape` steps; acting uses a compiled or NumPy forward pass",
        "TF1's placeholders and `get_updates` are gone; `model.predict` builds a data pipeline at every call in "
        "Keras 3, far more than a step's arithmetic",
        "DQN、A2C、PG", "更新はコンパイルした `tf.GradientTape` のステップで、行動の選択にはコンパイルした順伝播か NumPy の"
                        "順伝播を使います",
        "TF1 の placeholder と `get_updates` はもうありません。Keras 3 の `model.predict` は呼ぶたびにデータのパイプラインを"
        "作るので、1 ステップの計算よりはるかに高くつきます"),
    Row("PG", "the states' scaler is a layer inside the model",
        "one `.keras`/`.h5` file carries it (the book pickled it beside the model)",
        "PG", "状態のスケーラーはモデルの中の層です",
        "`.keras`/`.h5` の 1 つのファイルにスケーラーも入ります（書籍はモデルの横に pickle していました）"),
    Row("all", "with keep_best the final model is saved to `*_last` and `--play` plays the best",
        "the book saved the best model only (DQN, A2C); the final one is kept too, to compare",
        "全体", "keep_best のときは最後のモデルを `*_last` に保存し、`--play` は最良のモデルでプレイします",
        "書籍は最良のモデルだけを保存していました（DQN、A2C）。比べられるように、最後のモデルも残します"),
    Row("all", "`--play` plays `--episodes` episodes, 5 by default, for every agent",
        "one rule for every script (the book's A2C played 10)",
        "全体", "`--play` はどのエージェントでも `--episodes` エピソード（既定は 5）プレイします",
        "すべてのスクリプトで 1 つの決まりにしました（書籍の A2C は 10 エピソードでした）"),
    Row("DQN, A2C", "keeping the best: an equal episode reward with a better mean of the recent episodes replaces the "
                    "saved model",
        "one rule (`fn_framework/run/callbacks.py`); the book saved only on a strictly higher reward, so the first "
        "lucky 200 on CartPole was kept",
        "DQN、A2C", "最良のモデルの保存: エピソードの報酬が同じでも、直近のエピソードの平均が良ければ、保存したモデルを置き換えます",
        "1 つの決まり（`fn_framework/run/callbacks.py`）にしました。書籍は報酬が上回ったときだけ保存したので、CartPole では"
        "最初に運よく 200 に達したモデルが残っていました"),
    Row("DQN", "the warm-up is `min(initial_count, episodes // 2)` episodes",
        "the book's 200 at 1200 episodes; short runs (`--episodes 5`) still train",
        "DQN", "ウォームアップは `min(initial_count, episodes // 2)` エピソードです",
        "書籍の 1200 エピソードなら 200 で同じです。短い実行（`--episodes 5`）でも学習が始まります"),
    Row("DQN test mode", "CartPole states go through `CartPoleObserver` (`(1, 4)` rows and a `Flatten` layer)",
        "one observer for the CartPole agents; the network is the same",
        "DQN のテストモード", "CartPole の状態は `CartPoleObserver` を通ります（`(1, 4)` の行と `Flatten` 層）",
        "CartPole のエージェントで Observer を 1 つにしました。ネットワークは同じです"),
    Row("all", "at most 64 observed frames per TensorBoard image", "a perfect Catcher episode has 10 000",
        "全体", "TensorBoard の画像 1 枚に載せる観測したフレームは 64 枚までです",
        "完璧にプレイした Catcher のエピソードは 10 000 フレームあります"),
    Row("all", "one loop steps a Gymnasium vector env whose copy 0 is the run's env (the book's env: one copy); "
               "with `--render` the window draws itself at each step (`render_mode=\"human\"`), no `env.render()` call",
        "one loop for the book's agents and those that step several copies (PPO, `--n-envs`); the book's episodes, "
        "actions and updates are unchanged (`tests/test_book_loop.py`), and Gymnasium's human mode already renders "
        "in `step`: the book's extra call drew every frame twice",
        "全体", "1 つのループが Gymnasium のベクトル環境を進め、そのコピー 0 が実行の環境です（書籍の環境はコピー 1 つ）。"
                "`--render` ではウィンドウが各ステップで描かれ（`render_mode=\"human\"`）、`env.render()` は呼びません",
        "書籍のエージェントと、複数のコピーを進めるエージェント（PPO、`--n-envs`）で 1 つのループを使うためです。書籍の"
        "エピソード、行動、更新は変わりません（`tests/test_book_loop.py`）。Gymnasium の human モードは `step` の中で描画する"
        "ので、書籍のように呼ぶと、すべてのフレームを 2 回描くことになります"),
    Row("all", "models are `.keras` by default (`--model x.h5` too), runs go to `./logs/<run>`",
        "Keras 3's native format; the book's `FN/logs` is read-only once installed, and its folders were "
        "`deep_q_network`, `actor_critic`",
        "全体", "モデルの既定の形式は `.keras`（`--model x.h5` も使えます）で、実行は `./logs/<run>` に書きます",
        "`.keras` は Keras 3 の標準の形式です。書籍の `FN/logs` はインストールすると書き込めなくなり、フォルダーの名前も "
        "`deep_q_network`、`actor_critic` でした"),
    Row("all", "headless: no window unless `--render`, plots saved as PNG",
        "the book's `plt.show()` and rendering blocked headless runs",
        "全体", "画面なしで動きます: `--render` を付けない限りウィンドウを開かず、グラフは PNG に保存します",
        "書籍の `plt.show()` と描画は、画面のない環境での実行を止めていました"),
    Row("DQN", "the `loss/td` scalar is the mean over the episode's updates",
        "the book divided the summed loss by the step count: the same when `train_freq` is 1",
        "DQN", "`loss/td` のスカラーは、そのエピソードの更新の損失の平均です",
        "書籍は損失の合計をステップ数で割っていました。`train_freq` が 1 なら同じ値です"),
    Row("continuous PG", "the actor's loss is per sample",
        "the book multiplied `(N,)` probabilities by an `(N, 1)` TD error: an N x N product (the mean log-probability "
        "times the mean TD error)",
        "連続値の PG", "Actor の損失はサンプルごとです",
        "書籍は `(N,)` の確率に `(N, 1)` の TD 誤差を掛けていたので、N x N の積（対数確率の平均と TD 誤差の平均の積）に"
        "なっていました"),
    Row("continuous PG", "the action scaling `m * 2` is a registered `ActionScaling` layer, the state scaler the "
                         "`StandardScaling` layer inside the model",
        "Keras 3 saves no Lambda layers; one model file carries everything (the book pickled the scaler)",
        "連続値の PG", "行動を 2 倍する `m * 2` は登録済みの `ActionScaling` 層、状態のスケーラーはモデルの中の "
                       "`StandardScaling` 層です",
        "Keras 3 は Lambda 層を保存しません。1 つのモデルファイルにすべてが入ります（書籍はスケーラーを pickle していました）"),
    Row("all", "models are saved without optimizer state, atomically",
        "Keras 3 cannot reload an `.h5` model compiled with the string loss `mse`; a crash mid-save never destroys "
        "the last good model",
        "全体", "モデルはオプティマイザーの状態を含めず、アトミックに保存します",
        "Keras 3 は、文字列の損失 `mse` でコンパイルした `.h5` のモデルを読み込めません。保存の途中で落ちても、最後の正常な"
        "モデルは壊れません"),
]

#: What this port presents that is not the book's material: (English, Japanese).
NOT_THE_BOOK: list[tuple[str, str]] = [
    ("`tabular/` and `notebooks/00_bandits_maze.ipynb` (slot-machine bandits with ε-greedy and UCB1, a 3x3 maze solved "
     "by the policy gradient on a softmax of θ) are not the book's. They come from the blog posts \"強化学習 AlphaZero 1 "
     "(スロットマシーン)\" and \"強化学習 AlphaZero 2 (迷路ゲーム 方策勾配法)\", which follow another book, "
     "『AlphaZero 深層学習・強化学習・探索 人工知能プログラミング実践入門』 (Born Digital); the same blog then retraced this "
     "book's Day 4 (\"強化学習 x ニューラルネットワーク 1-8\"), where this project began. The book's own code before Day 4, "
     "`DP/` (value and policy iteration on a grid maze) and `EL/` (a coin-toss bandit with ε-greedy, Monte Carlo, "
     "Q-learning, SARSA, Actor-Critic), is not ported.",
     "`tabular/` と `notebooks/00_bandits_maze.ipynb`（ε-greedy と UCB1 のスロットマシン、θ の softmax による方策勾配法で"
     "解く 3x3 の迷路）は書籍のものではありません。ブログ記事「強化学習 AlphaZero 1 (スロットマシーン)」と「強化学習 "
     "AlphaZero 2 (迷路ゲーム 方策勾配法)」から取ったもので、これらの記事は別の書籍『AlphaZero 深層学習・強化学習・探索 "
     "人工知能プログラミング実践入門』（ボーンデジタル）に沿っています。同じブログはその後この書籍の Day 4 をたどっており"
     "（「強化学習 x ニューラルネットワーク 1〜8」）、このプロジェクトはそこから始まりました。書籍自身の Day 4 より前の"
     "コード、`DP/`（グリッドの迷路での価値反復法と戦略反復法）と `EL/`（コイントスのバンディットでの ε-greedy、"
     "Monte Carlo、Q-learning、SARSA、Actor Critic）は移植していません。"),
    ("`FN/policy_gradient_continuous_agent.py` (here `agents/policy_gradient_continuous.py`) is in the book's "
     "repository but not printed in the book: 4.6 discusses its idea (output a distribution's parameters) without a "
     "listing, and the repository's README does not link the file. The differences above are measured against that file.",
     "`FN/policy_gradient_continuous_agent.py`（ここでは `agents/policy_gradient_continuous.py`）は書籍のリポジトリに"
     "ありますが、書籍には掲載されていません。4.6 はその考え方（分布のパラメーターを出力する）を論じていますが掲載コードは"
     "なく、リポジトリの README もこのファイルにリンクしていません。上の違いは、そのファイルと比べたものです。"),
    ("PPO (`agents/ppo.py`) is beyond the book, which ends at A2C and names TRPO and PPO only as the next step.",
     "PPO（`agents/ppo.py`）は書籍の先の話です。書籍は A2C までで、TRPO と PPO は次の手法として名前が挙がるだけです。"),
]

#: How the book's own settings learn CartPole (measured: benchmarks/README.md, "The book's settings on CartPole").
LEARNING = {
    "en": [
        "The `book` preset is every script's default: the book's values, which learn CartPole slowly and not on every "
        "seed, as the book's own code does. `benchmarks/book_reference.py` runs a transcription of the book's code, "
        "independent of this framework, beside our scripts, so each change our port makes can be switched on alone; "
        "the runs over seeds (the mean reward of the first and last episodes of each, and what the models played) are "
        "in `benchmarks/README.md`, \"The book's settings on CartPole\".",
        "",
        "Both of the book's agents improve and neither solves CartPole-v0 with the book's settings, in either code: "
        "the blog post that retraced the book, where this project began, says the policy gradient \"takes longer than "
        "the value function before the reward grows\" and of A2C's test mode that \"the reward does not seem to grow "
        "much\". The book's policy gradient depends on the seed in both codes; A2C's test mode learns a little faster "
        "with our per-sample advantage. The first round's scores came from tuned defaults, which are the `modern` and "
        "`tuned` presets now (`--preset best`). `tests/test_book_presets_learn.py` trains the book presets on a seed "
        "that learns.",
    ],
    "ja": [
        "`book` プリセットはどのスクリプトでも既定で、書籍の値です。書籍のコードと同じく、CartPole の学習は遅く、seed に"
        "よっては学習しません。`benchmarks/book_reference.py` は、このフレームワークとは独立に書き写した書籍のコードを、"
        "この移植のスクリプトと並べて動かします。そのため、この移植の変更を 1 つずつ有効にして比べられます。seed ごとの"
        "実行（それぞれの最初と最後のエピソードの報酬の平均と、モデルのプレイ）は `benchmarks/README.md` の "
        "\"The book's settings on CartPole\" にあります。",
        "",
        "書籍の 2 つのエージェントは、どちらのコードでも改善しますが、書籍の設定では CartPole-v0 を解くまでには至りません。"
        "書籍をたどったブログ記事（このプロジェクトの出発点）も、方策勾配法について「前回実装した価値関数の場合より、報酬が"
        "増えるようになるには時間がかかるようです」、A2C のテストモードについて「あまり報酬が増えてないような気もします」と"
        "書いています。書籍の方策勾配法は、どちらのコードでも seed によって結果が変わります。A2C のテストモードは、"
        "Advantage をサンプルごとにしたこの移植のほうが少し速く学習します。最初の版のスコアは調整した既定値によるもので、"
        "それがいまの `modern` と `tuned` のプリセットです（`--preset best`）。`tests/test_book_presets_learn.py` は、"
        "学習する seed で書籍のプリセットを学習させます。",
    ],
}

#: The Japanese of the English written beside the settings: key -> (fingerprint of the English, Japanese).
#: Keys: ``("field", config class, field)`` for a field's docstring, ``("note", run, preset)`` for a preset's note.
JAPANESE: dict[tuple[str, str, str], tuple[str, str]] = {
    ("field", "DeepQNetworkConfig", "book_net"): (
        "c4b7e913",
        "テストモードのみ: 書籍の出力層は relu です。この移植では線形にしています。relu の Q 値は負になれず、入力が負に"
        "なったユニットは二度と勾配を受けません（死んだユニット）。"),
    ("field", "PolicyGradientContinuousConfig", "env"): (
        "07917adc",
        "Gymnasium の環境 ID。書籍の Pendulum-v0 は Gymnasium にはもうありません。v1 の力学と報酬は同じです。"),
    ("note", "a2c", "small"): (
        "47d7880a", "40x40 のフレームにすると、CPU での CNN の計算量が、ステップごとにも更新ごとにも 4 分の 1 になります。"),
    ("note", "a2c", "fast"): (
        "1e249d95",
        "small に、SB3 の A2C の学習率 7e-4（書籍の 7e-5 はその 10 分の 1）と、1 回の更新の 128 の遷移を、1 つの環境の "
        "32 ステップではなく、同時に進める 8 つの環境（それぞれ 16 ステップ）から集める変更を加えたものです。書籍の損失、"
        "エントロピーの重み 0.1、報酬の標準化はそのままです。書籍の設定で Catcher を学習しない理由: benchmarks/README.md の "
        "'A2C on Catcher'。"),
    ("note", "a2c_test", "tuned"): (
        "2bb18591",
        "学習率を書籍の 1e-3 から 3e-3 にします（1e-3 ではテストモードの学習が遅い: benchmarks/README.md の "
        "'The book's settings on CartPole'）。エントロピーの重みは 0.1 ではなく 0.01（SB3 の A2C の既定値）で、一様な戦略へ"
        "引き戻す力が弱くなります。プレイするのは最後のモデルです。CartPole では、keep_best が残す最初の 200 ステップの"
        "エピソードは、運であることが多いためです。"),
    ("note", "dqn", "modern"): (
        "e740d288",
        "CPU では CNN の勾配ステップが費用の大半です。40x40 のフレーム（64x64 のゲームを縮めても、3 ピクセルの果物に必要な"
        "情報は失われません）で畳み込みの計算を 4 分の 1 に、環境の 4 ステップごとに 1 回の勾配ステップ（DQN の Atari での"
        "設定）でその回数を 4 分の 1 にします。Double DQN（van Hasselt 2016）と Huber 損失（Mnih 2015）を使います。"
        "epsilon はランダムな 30 エピソードの後、300 エピソードかけて減らすので、短い実行でも早く下限に達します。学習率は"
        "書籍の 1e-4 ではなく 5e-4 です。勾配ステップが毎ステップから 4 ステップに 1 回になるので、1 回の更新の歩幅を大きく"
        "して、環境の 1 ステップあたりの学習量を保ちます（benchmarks/README.md）。"),
    ("note", "dqn_test", "modern"): (
        "59368feb",
        "Double DQN と Huber 損失で、過大評価と、500 ステップのエピソードの大きな TD 誤差を抑えます。環境の 2 ステップごとに "
        "1 回の勾配ステップで、ステップあたりの費用は半分になります。エピソード単位のスケジュールはそのままで、epsilon は"
        "エピソードごとに減ります。"),
    ("note", "dqn_test", "zoo"): (
        "2fe9af35",
        "SB3 の DQN のスケジュールに、RL-Zoo の CartPole-v1 の値を使います（benchmarks/sb3_peer.py）: 環境の 256 ステップ"
        "ごとに 128 回の勾配ステップを 1 回のコンパイルした呼び出しで行い、そのたびに teacher を同期し、epsilon は 8000 "
        "ステップで 1 から 0.04 へ、バッチ 64、学習率 2.3e-3、Huber 損失。学習は 45 エピソード（約 1000 ステップ）の後に"
        "始まります。TensorFlow の呼び出しを少なく、大きくします。1 回の呼び出しの 128 回の勾配ステップは 1 つのコンパイル"
        "したグラフのループで、Dense のネットワークでは XLA が融合します。"),
    ("note", "dqn_test", "fast"): (
        "3d754a0c",
        "zoo を環境の 16 個のコピーで動かし、1 回の順伝播で全部の行動を決めます（コピー 1 つのステップは、単独の環境の"
        "ステップより安くなります）。環境の 128 ステップごとに 128 回の勾配ステップ、epsilon は 4000 ステップで 0.04 まで、"
        "学習率 1.13e-2: 2 回の Ray Tune のスイープで zoo の周りから選んだ設定のうち、調整用シードで CartPole-v1 を最も"
        "速く解いたものです（benchmarks/README.md）。"),
    ("note", "policy_gradient", "modern"): (
        "0fb945d1",
        "gamma 0.99（0.9 は約 10 ステップ先までしか見ませんが、CartPole の報酬は数百ステップ続きます）、1 回の更新に"
        "エピソード全体（500 ステップ: v1 の最長）、報酬の標準化を直近 10 エピソードの報酬で行う（長いエピソードが短い"
        "エピソードより多くを教えるようになります）、標準化した状態を ±5 に切り詰める（スケーラーはランダムなプレイで"
        "合わせるので、バランスを取る戦略はその範囲から大きく外れ、softmax が飽和します）、最良のモデルを残す（最後の"
        "モデルは、最後の更新がたまたま残したものです）。それぞれの計測: benchmarks/README.md。"),
    ("note", "policy_gradient", "gamma99"): (
        "25fecbcd",
        "gamma 0.9 は約 10 ステップ先までしか見ません。CartPole の報酬は 200〜500 ステップ続くので、0.99 にします。"),
    ("note", "policy_gradient_continuous", "ddpg"): (
        "ca15f3f7",
        "書籍のネットワークと設定での DDPG（Silver et al. 2014、Lillicrap et al. 2016）: Actor は、尤度と TD 誤差の積では"
        "なく、Critic の勾配 -Q(s, mu(s)) に従います（サンプルした行動の TD 誤差は、平均をどちらへ動かすかを示すノイズの"
        "多い手がかりですが、Critic の勾配はそれを直接示します）。ターゲットネットワークを tau 0.005 で少しずつ更新し、TD の"
        "目標値が学習中の重みを追いかけないようにします。学習はランダムな 5 エピソード（1000 ステップ）の後に始めます"
        "（書籍は 100 000 の Experience Replay が満杯になるまで待ちます）。環境の 64 ステップごとに 64 回の勾配ステップを "
        "1 回のコンパイルした呼び出しで行います。環境のステップあたりの勾配ステップ数は毎ステップ 1 回と同じで、TensorFlow "
        "の呼び出しははるかに少なくなります。100 エピソードは RL-Zoo の 20 000 ステップです。計測: benchmarks/README.md。"),
    ("note", "ppo", "small"): (
        "0f324fa9",
        "40x40 のフレームにすると、CPU での CNN の計算量が、ステップごとにも更新ごとにも 4 分の 1 になります。スケジュールは "
        "400 000 ステップで減衰させます。"),
    ("note", "ppo", "fast"): (
        "7646b873",
        "small に、学習率 1e-3 とクリップ 0.2（どちらも 400 000 ステップで減衰）: Catcher の報酬は 30 数ステップごとに来て、"
        "どの行動の結果かがわかりやすいので、Atari の歩幅（2.5e-4、0.1）は必要以上に慎重です。32 環境 x 32 ステップ"
        "（1 回のロールアウトは同じ 1024）: CNN の順伝播は大半が固定費なので、32 個のコピーに 1 回の順伝播は、8 個のとき"
        "よりコピーあたりはるかに安く、同じロールアウトを 4 分の 1 の呼び出しで集めます。学習時間 1 秒あたりの環境の"
        "ステップが増えます。"),
    ("note", "ppo_test", "zoo"): (
        "6e6ece7c",
        "RL-Zoo の CartPole-v1 の PPO（hyperparams/ppo.yml。benchmarks/sb3_peer.py が SB3 を動かすときと同じ）: 8 環境 x "
        "32 ステップ、256 サンプルのミニバッチ 1 つで 20 エポック、gamma 0.98、GAE の lambda 0.8、エントロピーのボーナス"
        "なし、学習率 1e-3 とクリップ 0.2 を 100 000 ステップで減衰。"),
    ("note", "ppo_test", "fast"): (
        "6dc9534a",
        "zoo に、Ray Tune の探索で CartPole-v1 を最も速く解いた設定を使います（benchmarks/README.md）: 16 環境 x 32 "
        "ステップ、64 サンプルのミニバッチで 10 エポック、gamma 0.99、GAE の lambda 0.95、学習率 7.8e-3（減衰）、zoo の"
        "クリップ 0.2、エントロピーのボーナスなし。1 回の順伝播で 2 倍の環境を動かし、ロールアウトごとの勾配ステップを多く"
        "小さくし、歩幅を大きくします。戦略がより少ない環境のステップで良くなり、CartPole では環境のステップが実行時間の"
        "大半です。"),
}

#: The words of each document.
TEXT = {
    "en": {
        "title": "# Where this port differs from the book",
        "intro": "Generated from the configs by `python -m agents.differences --write` (in Japanese: "
                 "[book_differences.ja.md](book_differences.ja.md)); a test fails when it is stale or when a default "
                 "differs from the book's value without a row here. Every setting, with the book's value, is in "
                 "`agents/*_config.py` and in each script's `--help`.",
        "runs": "Runs: `dqn`, `a2c` and `ppo` are the Catcher runs, a name ending in `_test` is the test mode "
                "(`--test`, CartPole). PPO is beyond the book: its \"book\" column holds PPO's defaults (the RL-Zoo's "
                "Atari settings).",
        "defaults": "## Defaults that are not the book's",
        "defaults_header": "| run | setting | book | ours | why |",
        "presets": "## Presets (`--preset NAME`; `best` is the fastest measured)",
        "preset_header": "| setting | book | preset |",
        "best": " (`best`)",
        "learning": "## How the book's settings learn",
        "not_the_book": "## What is not from the book",
        "behaviour": "## Behaviour that is not a setting",
        "behaviour_header": "| where | what | why |",
    },
    "ja": {
        "title": "# この移植が書籍と違うところ",
        "intro": "`python -m agents.differences --write` が設定から生成する文書です（英語版: "
                 "[book_differences.md](book_differences.md)）。内容が古くなったとき、または既定値が書籍の値と違うのに"
                 "ここに行がないときは、テストが失敗します。すべての設定とその書籍での値は、`agents/*_config.py` と各"
                 "スクリプトの `--help` にあります。",
        "runs": "実行の名前: `dqn`、`a2c`、`ppo` は Catcher で、`_test` で終わる名前はテストモード（`--test`、CartPole）"
                "です。PPO は書籍にないアルゴリズムで、「書籍」の列は PPO の既定値（RL-Zoo の Atari 向けの設定）です。",
        "defaults": "## 書籍と違う既定値",
        "defaults_header": "| 実行 | 設定 | 書籍 | この移植 | 理由 |",
        "presets": "## プリセット（`--preset NAME`。`best` は計測で最も速かったもの）",
        "preset_header": "| 設定 | 書籍 | プリセット |",
        "best": "（`best`）",
        "learning": "## 書籍の設定での学習",
        "not_the_book": "## 書籍にないもの",
        "behaviour": "## 設定ではない振る舞いの違い",
        "behaviour_header": "| 対象 | 内容 | 理由 |",
    },
}


class StaleTranslation(ValueError):
    """An English docstring or note has no Japanese here, or its Japanese translates an older English."""


def fingerprint(english: str) -> str:
    return hashlib.sha256(english.encode("utf-8")).hexdigest()[:8]


def japanese(key: tuple[str, str, str], english: str) -> str:
    """The Japanese of ``english`` under ``key``; ``StaleTranslation`` when it is missing or older than the English."""
    entry = JAPANESE.get(key)
    if entry is None or entry[0] != fingerprint(english):
        state = "has no Japanese" if entry is None else "changed since its Japanese was written"
        raise StaleTranslation(f"{key} {state}: translate it into JAPANESE in agents/differences.py with the "
                               f"fingerprint {fingerprint(english)!r}. The English: {english}")
    return entry[1]


def translation_problems() -> list[str]:
    """Every docstring and note the Japanese document shows whose Japanese is missing or stale."""
    problems = []
    for key, english in _translated_texts():
        try:
            japanese(key, english)
        except StaleTranslation as error:
            problems.append(str(error))
    return problems


def _default_rows(run_name: str) -> list[tuple[str, Any, Any, str]]:
    """``(field, book value, ours, why)`` of a run's defaults that are not the book's (and act in this run)."""
    book = TABLE[run_name].configs["book"]
    test_mode = getattr(book, "test_mode", False)
    rows = differences(run_name, book, book_settings(book))
    return [(field, theirs, ours, why) for _, field, theirs, ours, why in rows
            if test_mode or field not in TEST_MODE_ONLY]


def _translated_texts() -> list[tuple[tuple[str, str, str], str]]:
    texts = []
    for run_name, presets in TABLE.items():
        cls = type(presets.configs["book"])
        texts += [(("field", cls.__name__, field), field_docs(cls)[field]) for field, *_ in _default_rows(run_name)]
        texts += [(("note", run_name, name), presets.notes.get(name, ""))
                  for name in presets.configs if name != "book"]
    return texts


def markdown(language: str = "en") -> str:
    """The whole document in ``language`` (``en`` or ``ja``)."""
    text, ja = TEXT[language], language == "ja"
    lines = [text["title"], "", text["intro"], "", text["runs"], "", text["defaults"], "", text["defaults_header"],
             "| --- | --- | --- | --- | --- |"]
    for run_name, presets in TABLE.items():
        cls = type(presets.configs["book"])
        for field, theirs, ours, why in _default_rows(run_name):
            why = japanese(("field", cls.__name__, field), why) if ja else why
            lines.append(f"| {run_name} | `{field}` | {theirs!r} | {ours!r} | {why} |")
    lines += ["", text["presets"], ""]
    for run_name, presets in TABLE.items():
        book = presets.configs["book"]
        for name, config in presets.configs.items():
            if name == "book":
                continue
            best = text["best"] if name == presets.best else ""
            note = presets.notes.get(name, "")
            note = japanese(("note", run_name, name), note) if ja else note
            lines += [f"### {run_name} `{name}`{best}", "", note, "", text["preset_header"], "| --- | --- | --- |"]
            lines += [f"| `{f}` | {b!r} | {o!r} |" for _, f, b, o, _ in differences(run_name, config, book)]
            lines.append("")
    lines += [text["learning"], "", *LEARNING[language], ""]
    lines += [text["not_the_book"], "", *(f"- {ja_text if ja else en}" for en, ja_text in NOT_THE_BOOK), ""]
    lines += [text["behaviour"], "", text["behaviour_header"], "| --- | --- | --- |"]
    for row in BEHAVIOUR:
        cells = (row.where_ja, row.what_ja, row.why_ja) if ja else (row.where, row.what, row.why)
        lines.append("| {} | {} | {} |".format(*cells))
    return "\n".join(lines) + "\n"


def main(argv: Any = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true",
                        help="write " + " and ".join(os.path.relpath(p) for p in PATHS.values()))
    parser.add_argument("--lang", choices=sorted(PATHS), default="en", help="the language to print (default: en)")
    args = parser.parse_args(argv)
    if args.write:
        documents = {language: markdown(language) for language in PATHS}  # all made before any is written
        for language, path in PATHS.items():
            with open(path, "w", encoding="utf-8") as f:
                f.write(documents[language])
            print(f"Wrote {path}")
    else:
        print(markdown(args.lang), end="")


if __name__ == "__main__":
    main()
