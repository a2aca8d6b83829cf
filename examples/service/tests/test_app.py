from hello_service.app import greeting


def test_greeting_names_the_caller() -> None:
    assert greeting("ada") == {"message": "hello, ada"}


def test_greeting_defaults_to_world() -> None:
    assert greeting("") == {"message": "hello, world"}
