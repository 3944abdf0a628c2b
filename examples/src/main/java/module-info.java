/** The examples: a user of the library on the module path, needing nothing but {@code requires dev.vecrnn}. */
module dev.vecrnn.examples {
    requires dev.vecrnn;
}
