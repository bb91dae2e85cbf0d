"""Modal dialogs: confirmations, errors with what to do, and the quit-while-training question."""
