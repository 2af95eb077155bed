package org.llemma4j.trainer.nn;

import org.llemma4j.parallel.ParamSpec;

/**
 * A parameter as the model declares it before allocation: its spec (name, whole shape, tensor-parallel split) and
 * how it is initialized, which also decides whether weight decay applies.
 */
public record ParamDeclaration(ParamSpec spec, Init init) {

    /** Weight decay applies to matrices, never to norm gains (GPT-NeoX and Megatron alike). */
    public boolean decay() {
        return init == Init.NORMAL;
    }
}
