"""One module per command. Each defines ``NAME`` and ``register(sub, common)``, nothing heavy at
import; ``devkit.parser`` lists them all."""
