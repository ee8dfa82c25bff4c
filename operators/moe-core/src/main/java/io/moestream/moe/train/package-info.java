/**
 * Training one model: {@link MoeTrainer} owns a model's parameters, optimizer state, expert slots,
 * step and RNG, and each {@code train} call is one prequential step (score, back-propagate, update,
 * then the expert-set changes), returning a host-only {@link StepResult} (with {@link StepPhases},
 * where its time went). What may change the expert set is one {@link ExpertSetPolicy}, created
 * beside the router by {@link ExpertSetPolicies}: {@link FixedExpertSet}, {@link DynMoeExpertSet}
 * (recording window, routing records and lifecycle) or {@link EvoMoeSchedule} (stages, replication,
 * freezing). Around it: {@link AdamW} (slot-aware ages and masks; tensors sharing an age updated as
 * one packed group, {@link UpdateGroups}; the formula, {@link AdamWStep}, evaluated by an {@link
 * UpdateKernel}: a Java pass over the tensors' memory on the CPU, {@link HostUpdates}, libtorch
 * operations elsewhere, {@link TorchUpdates}), {@link TrainerSnapshots} (the whole trainer as
 * per-slot snapshot entries, restored bit-exactly; its metadata is versioned JSON, {@link
 * MetaJson}, and {@link LegacyMetaReader} still reads the position-coded form of earlier builds),
 * {@link ChangedSlots} (what a checkpoint must write), spawn initialisation, EvoMoE's {@link
 * ExpertEvolution}, {@link TrainerExport} and {@link Upcycling} (a new model whose expert slots
 * start as copies of a trained model's FFN). The entry point of the library for the Flink operator
 * and the local trainer alike. May import DJL, Jackson (the metadata only) and the tensor, codec,
 * config, router, model and lifecycle packages; never serve, Flink, Avro or Kafka.
 */
package io.moestream.moe.train;
