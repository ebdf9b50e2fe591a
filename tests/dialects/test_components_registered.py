"""The NLU pipeline in config.yml resolves our components through Rasa's default recipe and validates.

A real training run takes minutes, so this builds the train and predict graph schemas from config.yml with
the default.v1 recipe and runs Rasa's own graph validation (types, needs, constructors) — seconds, not
minutes — then checks where the components sit in the graphs.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

pytest.importorskip("rasa")

import rasa.shared.utils.io  # noqa: E402
from rasa.engine import validation  # noqa: E402
from rasa.engine.recipes.default_recipe import DefaultV1Recipe  # noqa: E402
from rasa.engine.recipes.recipe import Recipe  # noqa: E402
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer  # noqa: E402
from rasa.shared.data import TrainingType  # noqa: E402

from dialects.components.dialect_normalizer import DialectNormalizer  # noqa: E402
from dialects.components.language_identifier import LanguageIdentifier  # noqa: E402
from dialects.components.number_normalizer import SpokenNumberNormalizer  # noqa: E402
from dialects.components.pattern_entities import PatternEntityExtractor  # noqa: E402
from dialects.components.script_tokenizer import ScriptAwareTokenizer  # noqa: E402

CONFIG = Path(__file__).resolve().parents[2] / "config.yml"
NORMALIZER = "dialects.components.number_normalizer.SpokenNumberNormalizer"
EXTRACTOR = "dialects.components.pattern_entities.PatternEntityExtractor"
TOKENIZER = "dialects.components.script_tokenizer.ScriptAwareTokenizer"
IDENTIFIER = "dialects.components.language_identifier.LanguageIdentifier"
DIALECTS = "dialects.components.dialect_normalizer.DialectNormalizer"


@pytest.fixture(scope="module")
def model_configuration():
    config = rasa.shared.utils.io.read_config_file(str(CONFIG))
    recipe = Recipe.recipe_for_name(config.get("recipe", "default.v1"))
    return recipe.graph_config_for_recipe(copy.deepcopy(config), {}, training_type=TrainingType.NLU)


def test_components_are_registered_with_the_recipe() -> None:
    registered = DefaultV1Recipe._registered_components
    normalizer = registered[SpokenNumberNormalizer.__name__]
    extractor = registered[PatternEntityExtractor.__name__]
    assert normalizer.types == {DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER}
    assert not normalizer.is_trainable
    assert extractor.types == {DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR}
    assert not extractor.is_trainable
    tokenizer = registered[ScriptAwareTokenizer.__name__]
    assert tokenizer.types == {DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER}
    for component in (LanguageIdentifier, DialectNormalizer):
        assert registered[component.__name__].types == {DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER}


def test_pipeline_names_our_components_first() -> None:
    config = rasa.shared.utils.io.read_config_file(str(CONFIG))
    names = [step["name"] for step in config["pipeline"]]
    assert names[:4] == [IDENTIFIER, DIALECTS, NORMALIZER, TOKENIZER]
    # after DIET: it also merges DIET's piecewise names and drops learnt entities on numbers
    assert names.index("DIETClassifier") < names.index(EXTRACTOR) < names.index("EntitySynonymMapper")


def test_graph_schemas_validate(model_configuration) -> None:
    validation.validate(model_configuration)  # raises GraphSchemaValidationException on a bad pipeline


def test_normaliser_runs_before_the_tokenizer_in_training_and_prediction(model_configuration) -> None:
    train = model_configuration.train_schema.nodes
    [norm_node] = [name for name, node in train.items() if node.uses is SpokenNumberNormalizer]
    assert train[norm_node].fn == "process_training_data"
    [jieba_train] = [
        name
        for name, node in train.items()
        if issubclass(node.uses, JiebaTokenizer) and name.startswith("run_")
    ]
    assert train[jieba_train].needs["training_data"] == norm_node

    predict = model_configuration.predict_schema.nodes
    [norm_predict] = [name for name, node in predict.items() if node.uses is SpokenNumberNormalizer]
    assert predict[norm_predict].fn == "process"
    [jieba_predict] = [name for name, node in predict.items() if issubclass(node.uses, JiebaTokenizer)]
    assert predict[jieba_predict].needs["messages"] == norm_predict
    [extractor_node] = [name for name, node in predict.items() if node.uses is PatternEntityExtractor]
    assert predict[extractor_node].fn == "process"


def test_the_identifier_and_dialect_normaliser_run_first_in_prediction(model_configuration) -> None:
    predict = model_configuration.predict_schema.nodes
    [identifier] = [name for name, node in predict.items() if node.uses is LanguageIdentifier]
    [dialects] = [name for name, node in predict.items() if node.uses is DialectNormalizer]
    [numbers] = [name for name, node in predict.items() if node.uses is SpokenNumberNormalizer]
    assert predict[dialects].needs["messages"] == identifier
    assert predict[numbers].needs["messages"] == dialects


@pytest.fixture
def tokenizer(tmp_path) -> ScriptAwareTokenizer:
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    config = {**ScriptAwareTokenizer.get_default_config(), "hmm": False}
    return ScriptAwareTokenizer.create(
        config, LocalModelStorage(tmp_path), Resource("tok"), ExecutionContext(GraphSchema({}), "t")
    )


def _words(tokenizer: ScriptAwareTokenizer, text: str) -> list[str]:
    from rasa.shared.nlu.training_data.message import Message

    return [t.text for t in tokenizer.tokenize(Message(data={"text": text}), "text")]


def test_tokenizer_splits_tibetan_syllables_and_uyghur_words(tokenizer) -> None:
    assert _words(tokenizer, "ངའི་མིང་ལ་བཀྲ་ཤིས་ཟེར།") == ["ངའི", "མིང", "ལ", "བཀྲ", "ཤིས", "ཟེར"]
    assert _words(tokenizer, "مېنىڭ ئىسمىم ئايگۈل") == ["مېنىڭ", "ئىسمىم", "ئايگۈل"]
    assert _words(tokenizer, "ང་身份证 13812345678") == ["ང", "身份证", "13812345678"]


def test_tokenizer_without_hmm_keeps_unknown_names_apart(tokenizer) -> None:
    words = _words(tokenizer, "叫史航")
    assert words == ["叫", "史", "航"]  # with jieba's HMM this is one token, "叫史航"
    assert "13812345678" in _words(tokenizer, "手机13812345678")
