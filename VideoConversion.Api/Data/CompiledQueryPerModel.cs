using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace VideoConversion.Api.Data;

/// <summary>
/// A compiled query (<c>EF.CompileAsyncQuery</c>) for each model it runs against, for the reads on the API's hot paths.
/// Why compiled: the database writer runs its commands one after another in a single lane (SQLite), and there LINQ's
/// work per call (building the expression, the query cache's key, evaluating the arguments) cost more than reading a
/// row by its key: nearly a third of a job creation's time in the lane, profiled under 32 clients. Why per model: EF
/// binds a compiled query to the first model it meets and refuses any other, and one process holds several: the
/// writer's contexts are configured apart from the requests' (the replicas' test on PostgreSQL failed on a query shared
/// by both), and a copy between databases opens two.
/// </summary>
/// <typeparam name="TQuery">The delegate <c>EF.CompileAsyncQuery</c> returns.</typeparam>
public sealed class CompiledQueryPerModel<TQuery>
    where TQuery : Delegate
{
    private readonly ConditionalWeakTable<IModel, TQuery> _byModel = [];
    private readonly ConditionalWeakTable<IModel, TQuery>.CreateValueCallback _compile;

    public CompiledQueryPerModel(Func<TQuery> compile) => _compile = _ => compile();

    /// <summary>The query compiled for <paramref name="db"/>'s model (compiled on its first use with it).</summary>
    public TQuery For(DbContext db) => _byModel.GetValue(db.Model, _compile);
}
